using System.Collections.Immutable;
using Promethean.Core.Events;
using Promethean.Core.Systems;
using Promethean.Stores.Sqlite;

namespace Promethean.Core.Tests;

public sealed class DebugStatsSystemTests
{
    [Fact]
    public void Update_CountsEventsByType()
    {
        using var store = SqliteStore.InMemory();
        var next = DebugStatsSystem.Update(TestWorld.Tick(World.Empty, 1, new TimerTick("a", 1), new TimerTick("b", 1)), store);
        var counters = DebugStatsSystem.CountersOf(next);
        counters["events.in.timer/tick"].ShouldBe(2);
        counters["ticks"].ShouldBe(1);
    }

    [Fact]
    public void Update_LastEventsRingIsBounded()
    {
        using var store = SqliteStore.InMemory();
        var world = World.Empty;
        for (var i = 0; i < 30; i++)
            world = DebugStatsSystem.Update(TestWorld.Tick(world, i, [.. Enumerable.Range(0, 5).Select(j => new TimerTick("t" + j, i))]), store);
        var ring = world.LastEvents.Single().Value;
        ring.Entries.Length.ShouldBe(ring.Capacity);
        ring.Entries[^1].ShouldStartWith("30 in timer/tick t4");
    }

    [Fact]
    public void Update_JournaledTimings_LandInSystemTimes()
    {
        using var store = SqliteStore.InMemory();
        var timings = new DebugTimings(3, ImmutableSortedDictionary<string, long>.Empty.Add("memory.ingest", 42));
        var next = DebugStatsSystem.Update(TestWorld.Tick(World.Empty, 1, timings), store);
        next.SystemTimes.Single().Value.Microseconds["memory.ingest"].ShouldBe(42);
    }

    [Fact]
    public void Schedule_ListsTheSeedOrder()
    {
        Schedule.Systems.Select(s => s.Name).ShouldBe(
        [
            "route-events->sessions", "memory.ingest", "eidolon.index", "sentinel.step", "cephalon.tools", "session.scheduler",
            "cephalon.step", "discord.send-requests", "embedding.worker.step", "compaction.step", "olympia.step", "debug.stats",
        ]);
    }
}
