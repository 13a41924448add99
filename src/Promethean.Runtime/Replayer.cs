using System.Collections.Immutable;
using Promethean.Core;
using Promethean.Core.Serialization;
using Promethean.Stores.Sqlite;

namespace Promethean.Runtime;

/// <summary>Outcome of a replay: how far it got and, on a mismatch, where and what differs.</summary>
public sealed record ReplayReport(
    long TicksVerified,
    long? DivergedAtTick,
    ImmutableArray<string> DifferingParts,
    ImmutableArray<string> DifferingEntities,
    string? FinalHash,
    bool StoresMatch)
{
    public bool Ok => DivergedAtTick is null && StoresMatch;
}

/// <summary>A world rebuilt by replay, its hash (null at genesis) and whether every replayed tick matched the journal.</summary>
public sealed record ReplayedWorld(World World, string? WorldHash, bool HashesMatch);

/// <summary>
/// Re-runs the journal from the genesis snapshot against fresh in-memory stores: systems run on the
/// journaled inputs, store effects are re-applied, external effects are never dispatched (their
/// outcomes are journaled events). Every tick's hash must match; the stores must end up equal.
/// </summary>
public static class Replayer
{
    public static ReplayReport Replay(SqliteStore source, ImmutableArray<ScheduledSystem> systems, Action<long, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        CheckHashFormat(source);
        var world = source.ReadSnapshot(0) ?? throw new InvalidOperationException("the data dir has no genesis snapshot: nothing to replay");
        using var fresh = SqliteStore.InMemory();
        var total = source.LastTick;
        long verified = 0;
        string? finalHash = null;
        foreach (var entry in source.ReadJournal())
        {
            if (entry.Tick != world.Tick + 1)
                throw new InvalidOperationException($"journal gap: expected tick {world.Tick + 1}, found {entry.Tick}");
            (world, var hash) = Step(world, entry, fresh, systems);
            if (hash.Hex != entry.WorldHash)
            {
                return new ReplayReport(verified, entry.Tick, [.. WorldHash.DifferingParts(entry.Parts, hash.Parts)],
                    DifferingEntities(source.ReadSnapshot(entry.Tick), world), finalHash, StoresMatch: false);
            }
            fresh.ApplyStoreEffects(world.Effects);
            verified++;
            finalHash = hash.Hex;
            progress?.Invoke(verified, total);
        }
        return new ReplayReport(verified, null, [], [], finalHash, source.MemoryDigest() == fresh.MemoryDigest());
    }

    /// <summary>
    /// Throws, naming both formats, when <paramref name="store"/>'s journal was hashed in another world-hash format
    /// (<see cref="WorldHash.Format"/>) than this build computes: its tick hashes cannot be checked here, and a run that
    /// went on writing it would leave a journal no build could check.
    /// </summary>
    public static void CheckHashFormat(SqliteStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store.HashFormat != WorldHash.Format)
        {
            throw new InvalidOperationException(
                $"this data dir's journal was hashed in world-hash format {store.HashFormat}, and this build computes format {WorldHash.Format}: " +
                "its tick hashes cannot be checked here, and ticks added to it could never be replayed. The data dir is untouched: " +
                "replay or run it with the build that wrote it, or start a new one with --data-dir.");
        }
    }

    /// <summary>
    /// The world as it was after <paramref name="tick"/> (0: genesis), rebuilt by replaying the journal
    /// from the genesis snapshot against fresh in-memory stores; each replayed tick's hash is checked
    /// against the journal. <paramref name="source"/> is only read, so a read-only store will do.
    /// </summary>
    public static ReplayedWorld WorldAt(SqliteStore source, long tick, ImmutableArray<ScheduledSystem> systems)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tick);
        var world = source.ReadSnapshot(0) ?? throw new InvalidOperationException("the data dir has no genesis snapshot: nothing to replay");
        if (tick > source.LastTick)
            throw new ArgumentOutOfRangeException(nameof(tick), tick, $"the journal ends at tick {source.LastTick}");
        using var fresh = SqliteStore.InMemory();
        string? hash = null;
        var verified = true;
        if (tick > 0)
        {
            foreach (var entry in source.ReadJournal())
            {
                if (entry.Tick != world.Tick + 1)
                    throw new InvalidOperationException($"journal gap: expected tick {world.Tick + 1}, found {entry.Tick}");
                (world, var tickHash) = Step(world, entry, fresh, systems);
                hash = tickHash.Hex;
                verified &= hash == entry.WorldHash;
                fresh.ApplyStoreEffects(world.Effects);
                if (entry.Tick == tick)
                    break;
            }
        }
        return new ReplayedWorld(world, hash, verified);
    }

    /// <summary>Runs a journaled tick and hashes it the way the engine does (inbound events and each system's changes hashed while the systems run).</summary>
    private static (World World, WorldHash Hash) Step(World world, JournalEntry entry, SqliteStore fresh, ImmutableArray<ScheduledSystem> systems)
    {
        var begun = Schedule.BeginTick(world, entry.TimeMs, entry.EventsIn);
        var lane = TickHashing.StartLane(begun.EventsIn);
        var next = Schedule.Run(begun, fresh, systems, lane.After);
        return (next, TickHashing.Compute(next, world, lane));
    }

    /// <summary>When the original run left a snapshot at the divergent tick, names the entities that differ.</summary>
    private static ImmutableArray<string> DifferingEntities(World? snapshot, World replayed)
    {
        if (snapshot is null || snapshot.Tick != replayed.Tick)
            return [];
        var list = ImmutableArray.CreateBuilder<string>();
        foreach (var table in ComponentTables.All)
        {
            var ids = table.Entries(snapshot).Select(e => e.Key).Union(table.Entries(replayed).Select(e => e.Key)).Order();
            foreach (var id in ids)
            {
                if (table.Get(snapshot, id) is not Core.Components.Component a || table.Get(replayed, id) is not Core.Components.Component b
                    || !WorldHash.ComponentHash(a).AsSpan().SequenceEqual(WorldHash.ComponentHash(b)))
                    list.Add($"{table.Name}[{id}]");
            }
        }
        return list.ToImmutable();
    }
}
