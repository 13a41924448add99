using System.Collections.Immutable;
using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core;
using Promethean.Core.Components;
using Promethean.Core.Events;
using Promethean.Core.Serialization;
using Promethean.Runtime.Config;
using Promethean.Stores.Sqlite;

namespace Promethean.Runtime.Tests;

/// <summary>The lane thread is one per process: engines on several threads share it, and it sleeps when idle.</summary>
public sealed class TickHashingTests
{
    private static ImmutableArray<Event> Batch(int tick, int count) =>
        [.. Enumerable.Range(0, count).Select(i => (Event)new DiscordMessageNew($"{tick}-{i}", $"c{i % 3}", null, $"u{i % 5}", "n", false,
            $"message {i} of tick {tick} about topic {i % 7}", tick * 1000L + i))];

    [Fact]
    public void Engines_OnSeveralThreadsAtOnce_ShareTheLane_AndEachTickHashesAsTheSerialHashDoes()
    {
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = Enumerable.Range(0, 3).Select(n => new Thread(() =>
        {
            try
            {
                using var store = SqliteStore.InMemory();
                var engine = new Engine(store, Schedule.Systems, new EffectDispatcher([], 8, TimeSpan.FromSeconds(1), NullLogger.Instance),
                    new EngineOptions { StatusEverySeconds = 0, SnapshotEveryTicks = 0 }, TimeProvider.System, NullLogger.Instance);
                engine.Open(Genesis.Build(ConfigLoader.Load(null)));
                for (var t = 1; t <= 8; t++)
                {
                    // Each next batch is warmed on the lane thread while this tick commits, beside the other engines' lanes.
                    var report = engine.Step(Batch(100 * n + t, 40 + t), 1000L * t, upcoming: Batch(100 * n + t + 1, 41 + t));
                    if (report.WorldHash != WorldHash.Compute(Worlds.FreshCopy(engine.World)).Hex)
                        failures.Add($"engine {n}, tick {t}: lane hash {report.WorldHash} differs from the serial hash");
                }
                if (!Replayer.Replay(store, Schedule.Systems).Ok)
                    failures.Add($"engine {n}: replay diverged");
            }
            catch (Exception e)
            {
                failures.Add($"engine {n}: {e}");
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task Warm_AfterTheLaneThreadWentToSleep_IsWokenAndRuns()
    {
        TickHashing.WaitWarmed(TickHashing.Warm(Batch(1, 40), new MemorySettings()));
        await Task.Delay(TimeSpan.FromMilliseconds(100)); // five times the lane thread's spin: it is blocked by now
        var warming = TickHashing.Warm(Batch(2, 40), new MemorySettings());
        (await Task.WhenAny(warming, Task.Delay(TimeSpan.FromSeconds(10)))).ShouldBeSameAs(warming, "a post wakes the sleeping lane thread");
        TickHashing.Warm(Batch(3, TickHashing.PrehashMinEvents - 1), new MemorySettings()).IsCompleted.ShouldBeTrue("small batches are left alone");
    }
}
