using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace Promethean.Core.Serialization;

/// <summary>
/// SHA-256 of the world's canonical serialization, built from per-part hashes (meta, each component
/// table, events in/out, effects) so a mismatch can name the part that differs. Component and table
/// hashes are memoized by instance: immutable values hash once, untouched tables cost nothing.
/// </summary>
public sealed record WorldHash(string Hex, ImmutableSortedDictionary<string, string> Parts)
{
    private static readonly ConditionalWeakTable<object, byte[]> ComponentCache = new();
    private static readonly ConditionalWeakTable<object, byte[]> TableCache = new();

    public static WorldHash Compute(World world)
    {
        var parts = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        parts["meta"] = ToHex(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{world.Tick}|{world.TimeMs}|{world.NextEntityId}"))));
        foreach (var table in ComponentTables.All)
            parts["c:" + table.Name] = ToHex(TableHash(table, world));
        parts["events/in"] = ToHex(ListHash(world.EventsIn.Select(CanonicalJson.EventHash)));
        parts["events/out"] = ToHex(ListHash(world.EventsOut.Select(CanonicalJson.EventHash)));
        parts["effects"] = ToHex(ListHash(world.Effects.Select(e => SHA256.HashData(CanonicalJson.SerializeEffect(e)))));

        using var all = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, hex) in parts)
            all.AppendData(Encoding.UTF8.GetBytes(name + "=" + hex + "\n"));
        return new WorldHash(ToHex(all.GetHashAndReset()), parts.ToImmutable());
    }

    /// <summary>Names of the parts whose hashes differ between two hash records.</summary>
    public static IEnumerable<string> DifferingParts(IReadOnlyDictionary<string, string> expected, IReadOnlyDictionary<string, string> actual) =>
        expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal)
            .Where(k => expected.GetValueOrDefault(k) != actual.GetValueOrDefault(k));

    public static byte[] ComponentHash(object component) =>
        ComponentCache.GetValue(component, static c => SHA256.HashData(CanonicalJson.SerializeForHash(c)));

    private static byte[] TableHash(ComponentTable table, World world) =>
        TableCache.GetValue(table.Reference(world), _ =>
        {
            using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            Span<byte> id = stackalloc byte[8];
            foreach (var (key, component) in table.Entries(world))
            {
                System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(id, key.Value);
                h.AppendData(id);
                h.AppendData(ComponentHash(component));
            }
            return h.GetHashAndReset();
        });

    private static byte[] ListHash(IEnumerable<byte[]> items)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var item in items)
            h.AppendData(item);
        return h.GetHashAndReset();
    }

    public static string ToHex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
