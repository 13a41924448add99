using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace Promethean.Core.Serialization;

/// <summary>One part of the world hash: its name and the pure function that hashes it (lower-case hex).</summary>
public sealed record HashPart(string Name, Func<string> Compute);

/// <summary>
/// SHA-256 over the world's parts (meta, each component table, events in/out, effects) so a mismatch
/// names the part that differs. A table's hash is an order-independent lane-wise sum of per-entry
/// hashes SHA-256(id, canonical component bytes); that sum updates incrementally from the previous
/// tick's by the entries that changed, so hashing costs O(changes), not O(entities). Component hashes
/// are memoized in the instance (components are immutable; see <see cref="Components.Component"/>).
/// </summary>
public sealed record WorldHash(string Hex, ImmutableSortedDictionary<string, string> Parts)
{
    /// <summary>
    /// The version of what is hashed and how, recorded with a store's genesis (a journal's tick hashes can only be
    /// checked by a build that computes its format). 1: an event list in a component's hashing bytes was the list of
    /// its events' hashes, and a table entry's term was SHA-256(id, component hash). 2 (2026-12-07): an event list is
    /// one hash (<see cref="CanonicalJson.EventListHash"/>), and an entry's term is XXH3 (<see cref="EntryHash"/>).
    /// </summary>
    public const int Format = 2;

    private static readonly ConditionalWeakTable<object, TableSum> TableCache = new();

    /// <summary>Hashes <paramref name="world"/>; with the <paramref name="previous"/> tick's world, only changed entries are hashed.</summary>
    public static WorldHash Compute(World world, World? previous = null) =>
        Combine(PartsOf(world, previous).Select(p => new KeyValuePair<string, string>(p.Name, p.Compute())));

    /// <summary>
    /// The world's parts (meta, each component table, events in and out, effects), each hashed by its own pure function
    /// that shares nothing with the others but thread-safe memos: a runtime with cores to spare may compute them at
    /// once and <see cref="Combine"/> the results, which gives the hash <see cref="Compute"/> gives.
    /// </summary>
    public static ImmutableArray<HashPart> PartsOf(World world, World? previous = null)
    {
        var parts = ImmutableArray.CreateBuilder<HashPart>(ComponentTables.All.Length + 4);
        parts.Add(new HashPart("meta", () => Ingest.Sha256Hex.Of(
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{world.Tick}|{world.TimeMs}|{world.NextEntityId}"))));
        foreach (var table in ComponentTables.All)
            parts.Add(new HashPart("c:" + table.Name, () => TableSumOf(table, world, previous).Hex));
        parts.Add(new HashPart("events/in", () => EventsInHex(world.EventsIn)));
        parts.Add(new HashPart("events/out", () => ToHex(ListHash(world.EventsOut.Select(CanonicalJson.EventHash)))));
        parts.Add(new HashPart("effects", () => ToHex(ListHash(world.Effects.Select(CanonicalJson.EffectHash)))));
        return parts.MoveToImmutable();
    }

    /// <summary>
    /// What hashing <paramref name="world"/> after <paramref name="previous"/> has to serialize and has not memoized yet:
    /// the new and changed components of each table whose sum is not known (every component of a table without a
    /// previous sum), the events out and the effects. Each item's hash is memoized in it and depends on nothing else, so
    /// a runtime with cores to spare may compute them at once with <see cref="HashItem"/> before <see cref="PartsOf"/>,
    /// whose parts then only sum and combine: a tick that changes all of its sessions spends its hash serializing them,
    /// all in the one session part.
    /// </summary>
    public static List<object> Unhashed(World world, World? previous = null)
    {
        var items = new List<object>();
        foreach (var table in ComponentTables.All)
        {
            if (TableCache.TryGetValue(table.Reference(world), out _))
                continue;
            AddUnhashed(previous is not null && TableCache.TryGetValue(table.Reference(previous), out _)
                ? ComponentDiff.Changes(table, previous, world).Select(c => c.Component)
                : table.Entries(world).Select(e => (object?)e.Value), items);
        }
        AddUnhashedOutputs(world, items);
        return items;
    }

    /// <summary>
    /// What <paramref name="after"/> has that <paramref name="before"/> had not and whose hash is not memoized: changed
    /// components, events out and effects. A runtime may hash them (<see cref="HashItem"/>) while later systems run:
    /// the world hash at the end of the tick finds the ones still there memoized, and the rest cost nothing but time.
    /// </summary>
    public static List<object> ChangedUnhashed(World before, World after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var items = new List<object>();
        foreach (var table in ComponentTables.All)
        {
            if (!ReferenceEquals(table.Reference(before), table.Reference(after)))
                AddUnhashed(ComponentDiff.Changes(table, before, after).Select(c => c.Component), items);
        }
        AddUnhashedOutputs(after, items);
        return items;
    }

    /// <summary>Adds the components (null for a removed entry) whose hashes are not memoized yet.</summary>
    private static void AddUnhashed(IEnumerable<object?> components, List<object> items)
    {
        foreach (var component in components)
        {
            if (component is Components.Component { HashMemo: null } unhashed)
                items.Add(unhashed);
        }
    }

    /// <summary>Adds the world's events out and effects whose hashes are not memoized yet.</summary>
    private static void AddUnhashedOutputs(World world, List<object> items)
    {
        foreach (var e in world.EventsOut)
        {
            if (e.Memo.Hash is null)
                items.Add(e);
        }
        foreach (var e in world.Effects)
        {
            if (e.Memo.Hash is null)
                items.Add(e);
        }
    }

    /// <summary>
    /// Brings the table sums from <paramref name="before"/> to <paramref name="after"/>, a system's input and output:
    /// each changed table's sum is updated by the system's changes (<see cref="ChangedUnhashed"/> hashed first makes it
    /// cheap) and memoized, so the world hash at the end of the tick finds the sums of the tables it ends with. A
    /// runtime may run it on another core while later systems run; a table a later system changes again cost time
    /// there and no result.
    /// </summary>
    public static void AdvanceSums(World before, World after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        foreach (var table in ComponentTables.All)
        {
            if (!ReferenceEquals(table.Reference(before), table.Reference(after)))
                TableSumOf(table, after, before);
        }
    }

    /// <summary>The hash of a tick's events in, memoized per array (the runtime computes it while the systems run).</summary>
    public static string EventsInHex(ImmutableArray<Events.Event> events) => ToHex(CanonicalJson.EventListHash(events));

    /// <summary>Computes and memoizes the hash of one item of <see cref="Unhashed"/> (thread-safe: the memos are write-once).</summary>
    public static void HashItem(object item)
    {
        switch (item)
        {
            case Components.Component component:
                ComponentHash(component);
                break;
            case Events.Event e:
                CanonicalJson.EventHash(e);
                break;
            case Effects.Effect e:
                CanonicalJson.EffectHash(e);
                break;
            default:
                throw new ArgumentException($"not a component, event or effect: {item.GetType().Name}", nameof(item));
        }
    }

    /// <summary>The world hash of its parts' hashes (in any order: they are combined by name).</summary>
    public static WorldHash Combine(IEnumerable<KeyValuePair<string, string>> partHashes)
    {
        var parts = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, partHashes);
        using var all = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, hex) in parts)
            all.AppendData(Encoding.UTF8.GetBytes(name + "=" + hex + "\n"));
        return new WorldHash(ToHex(all.GetHashAndReset()), parts);
    }

    /// <summary>Names of the parts whose hashes differ between two hash records.</summary>
    public static IEnumerable<string> DifferingParts(IReadOnlyDictionary<string, string> expected, IReadOnlyDictionary<string, string> actual) =>
        expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal)
            .Where(k => expected.GetValueOrDefault(k) != actual.GetValueOrDefault(k));

    /// <summary>SHA-256 of a component's canonical hashing bytes, memoized in the instance (components are immutable).</summary>
    public static byte[] ComponentHash(Components.Component component)
    {
        if (component.HashMemo is { } memo)
            return memo;
        var hash = Sha256.Of(CanonicalJson.SerializeForHash(component));
        component.HashMemo = hash;
        return hash;
    }

    private static TableSum TableSumOf(ComponentTable table, World world, World? previous)
    {
        var reference = table.Reference(world);
        if (TableCache.TryGetValue(reference, out var cached))
            return cached;
        TableSum sum;
        if (previous is not null && TableCache.TryGetValue(table.Reference(previous), out var before))
        {
            sum = before.Copy();
            foreach (var change in ComponentDiff.Changes(table, previous, world))
            {
                if (change.Before is not null)
                    sum.Subtract(EntryHash(change.Id, change.Before));
                if (change.Component is not null)
                    sum.Add(EntryHash(change.Id, change.Component));
            }
        }
        else
        {
            sum = new TableSum();
            foreach (var (id, component) in table.Entries(world))
                sum.Add(EntryHash(id, component));
        }
        TableCache.AddOrUpdate(reference, sum);
        return sum;
    }

    /// <summary>
    /// An entry's term of its table's sum: four 64-bit lanes, each XXH3 of (id, component hash) with the lane as seed.
    /// The component hash is SHA-256 already; this only binds it to its id, so the same component under two ids, or two
    /// components swapped between ids, change the sum. XXH3 costs ~20 ns where a SHA-256 of these 40 bytes cost ~0.8 µs
    /// (most of it the call into the platform's library), twice per changed entry.
    /// </summary>
    private static EntryTerm EntryHash(EntityId id, object component)
    {
        Span<byte> buffer = stackalloc byte[8 + 32];
        BinaryPrimitives.WriteInt64BigEndian(buffer, id.Value);
        // Every table holds Components (ComponentTable<T> requires it).
        ComponentHash((Components.Component)component).CopyTo(buffer[8..]);
        return new EntryTerm(
            System.IO.Hashing.XxHash3.HashToUInt64(buffer, 0),
            System.IO.Hashing.XxHash3.HashToUInt64(buffer, 1),
            System.IO.Hashing.XxHash3.HashToUInt64(buffer, 2),
            System.IO.Hashing.XxHash3.HashToUInt64(buffer, 3));
    }

    private readonly record struct EntryTerm(ulong A, ulong B, ulong C, ulong D);

    private static byte[] ListHash(IEnumerable<byte[]> items)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var item in items)
            h.AppendData(item);
        return h.GetHashAndReset();
    }

    /// <summary>
    /// Pre-computes the canonical bytes and hashes of <paramref name="events"/> (memoized on each), so the hash of a
    /// tick's events in is cheap by the time the tick ends: a runtime may call it on another core while systems run.
    /// </summary>
    public static void Prehash(ImmutableArray<Events.Event> events)
    {
        foreach (var e in events)
            CanonicalJson.EventHash(e);
    }

    public static string ToHex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>A 256-bit lane-wise sum (four wrapping 64-bit lanes): add and subtract commute, so order does not matter.</summary>
    private sealed class TableSum
    {
        private readonly ulong[] _lanes = new ulong[4];
        private string? _hex;

        public string Hex => _hex ??= ToHex(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_lanes.AsSpan())));

        public TableSum Copy()
        {
            var copy = new TableSum();
            _lanes.CopyTo(copy._lanes, 0);
            return copy;
        }

        public void Add(EntryTerm term)
        {
            unchecked
            {
                _lanes[0] += term.A;
                _lanes[1] += term.B;
                _lanes[2] += term.C;
                _lanes[3] += term.D;
            }
            _hex = null;
        }

        public void Subtract(EntryTerm term)
        {
            unchecked
            {
                _lanes[0] -= term.A;
                _lanes[1] -= term.B;
                _lanes[2] -= term.C;
                _lanes[3] -= term.D;
            }
            _hex = null;
        }
    }
}
