using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core;
using Promethean.Core.Components;
using Promethean.Core.Events;
using Promethean.Core.Serialization;
using Promethean.Runtime;
using Promethean.Stores.Sqlite;

namespace Promethean.Bench;

/// <summary>
/// Issue 3's numbers: a tick over 10k entities with 1k inbound events where systems touch 1% of the
/// entities (tick_p99_ms_10k, systems + world hash, commit excluded), sustained events/s through
/// route + journal + commit (commit_events_per_s), and replay speed (replay_events_per_s).
/// </summary>
public sealed class TickScenario : IScenario
{
    private const int Entities = 10_000;
    private const int EventsPerTick = 1_000;
    private const int Sessions = 100;

    public string Name => "tick";

    /// <summary>Touches 1% of the entities each tick: job priorities rotate through the table.</summary>
    private static World TouchOnePercent(World world, IStoreReader stores)
    {
        var jobs = world.Jobs.ToBuilder();
        var ids = world.Jobs.Keys.ToArray();
        var start = (int)(world.Tick * (Entities / 100) % ids.Length);
        for (var i = 0; i < Entities / 100; i++)
        {
            var id = ids[(start + i) % ids.Length];
            jobs[id] = jobs[id] with { Priority = (int)(world.Tick % 7) };
        }
        return world with { Jobs = jobs.ToImmutable() };
    }

    private static World BuildWorld()
    {
        var world = World.Empty.Spawn(out var cephalon);
        var sessions = world.Sessions.ToBuilder();
        for (var i = 0; i < Sessions; i++)
        {
            world = world.Spawn(out var id);
            sessions[id] = new Session($"s{i}", cephalon, "c1-survival",
                new SessionSubscriptions([], ImmutableSortedSet.Create(StringComparer.Ordinal, $"c{i % 10}")),
                [], [], [], "", new SessionBudgets(), SessionStatus.Idle) { QueueCapacity = 64 };
        }
        var jobs = world.Jobs.ToBuilder();
        while (world.NextEntityId <= Entities)
        {
            world = world.Spawn(out var id);
            jobs[id] = new Job(Job.EmbedCanonical, 0, JobStatus.Pending, $"k{id}", "");
        }
        return world with { Sessions = sessions.ToImmutable(), Jobs = jobs.ToImmutable() };
    }

    private static ImmutableArray<Event> Batch(int tick) =>
        [.. Enumerable.Range(0, EventsPerTick).Select(i => (Event)new DiscordMessageNew(
            (tick * EventsPerTick + i).ToString(CultureInfo.InvariantCulture), $"c{i % 10}", null, $"u{i % 50}", "user", false,
            $"message {i} of tick {tick} about topic {i % 13}", tick * 1000L + i))];

    public IReadOnlyList<Metric> Run()
    {
        ImmutableArray<ScheduledSystem> systems = [.. Schedule.Systems, new("bench.touch-1pct", TouchOnePercent)];
        var dir = Path.Combine(Path.GetTempPath(), "promethean-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var dbPath = Path.Combine(dir, "tick.db");
        File.Delete(dbPath);
        var tickMs = new List<double>();
        var commitMs = new List<double>();
        const int warmup = 10;
        const int ticks = 110;
        using (var store = SqliteStore.Open(dbPath))
        {
            var world = BuildWorld();
            store.WriteGenesis(world);
            for (var t = 1; t <= ticks; t++)
            {
                var batch = Batch(t);
                var started = Stopwatch.GetTimestamp();
                var next = Schedule.Run(Schedule.BeginTick(world, t * 1000L, batch), store, systems);
                var hash = WorldHash.Compute(next, world);
                var ran = Stopwatch.GetTimestamp();
                store.Commit(new TickCommit(world, next, hash, TickCommit.NoCursors));
                var committed = Stopwatch.GetTimestamp();
                if (t > warmup)
                {
                    tickMs.Add(Stopwatch.GetElapsedTime(started, ran).TotalMilliseconds);
                    commitMs.Add(Stopwatch.GetElapsedTime(started, committed).TotalMilliseconds);
                }
                world = next;
            }
        }

        double replayEventsPerSecond;
        using (var store = SqliteStore.Open(dbPath))
        {
            var started = Stopwatch.GetTimestamp();
            var report = Replayer.Replay(store, systems);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (!report.Ok)
                throw new InvalidOperationException($"replay diverged at {report.DivergedAtTick}: {string.Join(", ", report.DifferingParts)}");
            replayEventsPerSecond = ticks * EventsPerTick / seconds;
        }
        Directory.Delete(dir, recursive: true);

        var commitEventsPerSecond = EventsPerTick / (commitMs.Average() / 1000.0);
        return
        [
            new Metric("tick_p99_ms_10k", Results.Quantile(tickMs, 0.99), "ms", "<= 5",
                $"p50 {Results.Quantile(tickMs, 0.5):0.00} ms; 10k entities, 1k events/tick, 1% touched; all 10 seed systems + hash, commit excluded"),
            new Metric("commit_events_per_s", commitEventsPerSecond, "events/s", ">= 20000",
                $"route + ingest + journal + one SQLite transaction per 1k-event tick; commit p50 {Results.Quantile(commitMs, 0.5):0.0} ms"),
            new Metric("replay_events_per_s", replayEventsPerSecond, "events/s", ">= 50000", "fresh in-memory stores, every tick hash-checked"),
        ];
    }
}
