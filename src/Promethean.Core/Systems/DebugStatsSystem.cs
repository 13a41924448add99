using System.Collections.Immutable;
using Promethean.Core.Components;
using Promethean.Core.Events;

namespace Promethean.Core.Systems;

/// <summary>
/// seed sys.debug.stats (section 12): counts events and effects by type, keeps a bounded ring of the
/// latest events and records per-system times that the runtime measured and journaled.
/// </summary>
public static class DebugStatsSystem
{
    public static World Update(World world, IStoreReader stores)
    {
        var next = Count(world, "ticks", 1);
        var counters = CountersOf(next);
        foreach (var group in world.EventsIn.GroupBy(e => e.Type).OrderBy(g => g.Key, StringComparer.Ordinal))
            counters = counters.Add("events.in." + group.Key, group.Count());
        foreach (var group in world.EventsOut.GroupBy(e => e.Type).OrderBy(g => g.Key, StringComparer.Ordinal))
            counters = counters.Add("events.out." + group.Key, group.Count());
        foreach (var group in world.Effects.GroupBy(e => e.Type).OrderBy(g => g.Key, StringComparer.Ordinal))
            counters = counters.Add("effects." + group.Key, group.Count());
        next = next with { Counters = next.Counters.SetItem(DebugEntity(next), counters) };

        var ring = next.LastEvents.GetValueOrDefault(DebugEntity(next)) ?? new DebugLastEvents([]);
        var all = world.EventsIn.Select(e => ("in", e)).Concat(world.EventsOut.Select(e => ("out", e))).ToList();
        if (all.Count > 0)
        {
            var lines = all.Skip(Math.Max(0, all.Count - ring.Capacity)).Select(p => Describe(world.Tick, p.Item1, p.Item2));
            next = next with { LastEvents = next.LastEvents.SetItem(DebugEntity(next), ring.Push(lines)) };
        }

        var timings = world.EventsIn.OfType<DebugTimings>().LastOrDefault();
        if (timings is not null)
            next = next with { SystemTimes = next.SystemTimes.SetItem(DebugEntity(next), new DebugSystemTimes(timings.Microseconds)) };
        return next;
    }

    /// <summary>Adds to a named counter on the debug entity, creating the entity on first use.</summary>
    public static World Count(World world, string name, long delta)
    {
        var next = EnsureDebugEntity(world);
        var id = DebugEntity(next);
        return next with { Counters = next.Counters.SetItem(id, CountersOf(next).Add(name, delta)) };
    }

    public static DebugCounters CountersOf(World world) =>
        world.Counters.IsEmpty ? new DebugCounters(ImmutableSortedDictionary<string, long>.Empty.WithComparers(StringComparer.Ordinal)) : world.Counters.First().Value;

    private static World EnsureDebugEntity(World world)
    {
        if (!world.Counters.IsEmpty)
            return world;
        var next = world.Spawn(out var id);
        return next with { Counters = next.Counters.Add(id, CountersOf(world)) };
    }

    private static EntityId DebugEntity(World world) => world.Counters.First().Key;

    private static string Describe(long tick, string direction, Event e)
    {
        var detail = e switch
        {
            IEffectOutcome o => o.EffectId,
            DiscordMessageNew m => $"#{m.ChannelId} {m.AuthorName}",
            DiscordMessageImported i => $"#{i.Message.ChannelId} {i.Message.AuthorName} (imported)",
            FsFileCreated f => f.Path,
            FsFileModified f => f.Path,
            MemoryCreated m => m.MemoryId[..Math.Min(12, m.MemoryId.Length)],
            TimerTick t => t.Timer,
            _ => "",
        };
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{tick} {direction} {e.Type} {detail}").TrimEnd();
    }
}
