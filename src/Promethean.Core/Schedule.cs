using System.Collections.Immutable;
using Promethean.Core.Systems;

namespace Promethean.Core;

/// <summary>A system: a pure function from world to world that may read stores through a read-only view.</summary>
public delegate World SystemFn(World world, IStoreReader stores);

/// <summary>A named system in the schedule.</summary>
public sealed record ScheduledSystem(string Name, SystemFn Update);

/// <summary>The only place that decides system order: the seed's game loop (section 4).</summary>
public static class Schedule
{
    public static readonly ImmutableArray<ScheduledSystem> Systems =
    [
        new("route-events->sessions", RouteEventsSystem.Update),
        new("memory.ingest", MemoryIngestSystem.Update),
        new("eidolon.index", EidolonIndexSystem.Update),
        new("sentinel.step", SentinelSystem.Update),
        new("cephalon.tools", CephalonSystem.UpdateToolResults),
        new("session.scheduler", SessionSchedulerSystem.Update),
        new("cephalon.step", CephalonSystem.Update),
        new("discord.send-requests", DiscordSendRequestSystem.Update),
        new("embedding.worker.step", EmbeddingWorkerSystem.Update),
        new("compaction.step", CompactionSystem.Update),
        new("olympia.step", OlympiaSystem.Update),
        new("debug.stats", DebugStatsSystem.Update),
    ];

    /// <summary>
    /// Runs the systems in order over a world whose tick, time and inbound events are already stamped. <paramref name="afterEach"/>,
    /// if given, sees each system's input and output as it returns (the runtime hashes the changes meanwhile).
    /// </summary>
    public static World Run(World world, IStoreReader stores, ImmutableArray<ScheduledSystem> systems, Action<World, World>? afterEach = null)
    {
        foreach (var system in systems)
        {
            var before = world;
            world = system.Update(world, stores);
            afterEach?.Invoke(before, world);
        }
        return world;
    }

    /// <summary>Starts a tick: advances the counter, stamps time and inbound events, clears last tick's outputs.</summary>
    public static World BeginTick(World world, long timeMs, ImmutableArray<Events.Event> eventsIn) =>
        world with { Tick = world.Tick + 1, TimeMs = timeMs, EventsIn = eventsIn, EventsOut = [], Effects = [] };
}
