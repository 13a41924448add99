using System.Collections.Immutable;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Serialization;
using Promethean.Runtime.Config;
using Promethean.Runtime.Handlers;
using Promethean.Stores.Sqlite;

namespace Promethean.Runtime.Tests;

public sealed class EngineTests
{
    /// <summary>A test system in the real schedule's shape: each timer tick asks to write a file.</summary>
    private static World WriteOnTimer(World world, IStoreReader stores) =>
        world.Do([.. world.EventsIn.OfType<TimerTick>().Select(t => (Effect)new FsWrite($"n/{t.Timer}.md", "tick " + t.DueMs))]);

    private static ImmutableArray<ScheduledSystem> Systems => [.. Schedule.Systems, new("test.write-on-timer", WriteOnTimer)];

    private static Engine NewEngine(SqliteStore store, string baseDir, EngineOptions? options = null)
    {
        var guard = new PathGuard(baseDir, ["n"], 1 << 20);
        var dispatcher = new EffectDispatcher([new FsReadHandler(guard), new FsWriteHandler(guard)], 8, TimeSpan.FromSeconds(5), NullLogger.Instance);
        var engine = new Engine(store, Systems, dispatcher, options ?? new EngineOptions { StatusEverySeconds = 0 }, TimeProvider.System, NullLogger.Instance);
        engine.Open(Genesis.Build(ConfigLoader.Load(null)));
        return engine;
    }

    [Fact]
    public void Step_CommitsJournalOutboxAndWorld()
    {
        using var dir = new TempDir();
        var dbPath = dir.Combine("p.db");
        string tickHash;
        using (var store = SqliteStore.Open(dbPath))
        {
            var engine = NewEngine(store, dir.Path);
            var report = engine.Step([new TimerTick("a", 5)], 1000);
            tickHash = report.WorldHash;
            report.Tick.ShouldBe(1);
            store.ReadJournalEntry(1)!.WorldHash.ShouldBe(tickHash);
            store.PendingOutbox().ShouldHaveSingleItem().Effect.ShouldBeOfType<FsWrite>().Path.ShouldBe("n/a.md");
        }
        using (var reopened = SqliteStore.Open(dbPath))
        {
            var loaded = reopened.LoadWorld();
            loaded.Tick.ShouldBe(1);
            var engine = NewEngine(reopened, dir.Path);
            engine.World.Tick.ShouldBe(1);
            var expected = reopened.ReadJournalEntry(1)!.Parts;
            var actual = WorldHash.Compute(loaded).Parts;
            foreach (var part in expected.Keys.Where(k => k.StartsWith("c:", StringComparison.Ordinal) || k == "meta"))
                actual[part].ShouldBe(expected[part], part);
        }
    }

    [Fact]
    public async Task RunAsync_EffectOutcomeArrivesOnALaterTickAndClosesTheOutbox()
    {
        using var dir = new TempDir();
        using var store = SqliteStore.Open(dir.Combine("p.db"));
        var engine = NewEngine(store, dir.Path);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var outcomeTick = new TaskCompletionSource<long>();
        engine.Committed += r =>
        {
            if (engine.World.EventsIn.OfType<FsWriteResult>().Any())
                outcomeTick.TrySetResult(r.Tick);
        };
        var loop = engine.RunAsync(stop.Token);
        await engine.Inbound.WriteAsync(new TimerTick("a", 5));
        var tick = await outcomeTick.Task.WaitAsync(stop.Token);
        await stop.CancelAsync();
        await loop;

        tick.ShouldBeGreaterThan(1);
        File.ReadAllText(dir.Combine("n", "a.md")).ShouldBe("tick 5");
        store.PendingOutbox().ShouldBeEmpty();
    }

    [Fact]
    public async Task RunAsync_IdleLoopDoesNotTick()
    {
        using var dir = new TempDir();
        using var store = SqliteStore.Open(dir.Combine("p.db"));
        var engine = NewEngine(store, dir.Path);
        using var stop = new CancellationTokenSource();
        var loop = engine.RunAsync(stop.Token);
        await Task.Delay(300);
        await stop.CancelAsync();
        await loop;
        engine.World.Tick.ShouldBe(0);
    }

    [Fact]
    public async Task RunScriptAsync_PendingEffectsFromACrash_AreRedispatchedOnRestart()
    {
        using var dir = new TempDir();
        var dbPath = dir.Combine("p.db");
        using (var store = SqliteStore.Open(dbPath))
            NewEngine(store, dir.Path).Step([new TimerTick("a", 5)], 1000); // committed, never dispatched: as if killed here
        using (var store = SqliteStore.Open(dbPath))
        {
            var engine = NewEngine(store, dir.Path);
            await engine.RunScriptAsync([], default);
            store.PendingOutbox().ShouldBeEmpty();
            engine.World.Tick.ShouldBe(2);
            File.ReadAllText(dir.Combine("n", "a.md")).ShouldBe("tick 5");
        }
    }

    [Fact]
    public void Replay_TamperedJournal_NamesTheFirstDivergentTickAndParts()
    {
        using var dir = new TempDir();
        var dbPath = dir.Combine("p.db");
        using (var store = SqliteStore.Open(dbPath))
        {
            var engine = NewEngine(store, dir.Path);
            for (var i = 1; i <= 5; i++)
                engine.Step([new DiscordMessageNew(i.ToString(), "c", null, "u", "ada", false, "msg " + i, i)], i * 1000);
            Replayer.Replay(store, Systems).Ok.ShouldBeTrue();
        }
        using (var db = new SqliteConnection($"Data Source={dbPath};Pooling=false"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "UPDATE journal SET events_in = replace(events_in, 'msg 3', 'msg three') WHERE tick = 3";
            cmd.ExecuteNonQuery().ShouldBe(1);
        }
        using (var store = SqliteStore.Open(dbPath))
        {
            var report = Replayer.Replay(store, Systems);
            report.Ok.ShouldBeFalse();
            report.DivergedAtTick.ShouldBe(3);
            report.TicksVerified.ShouldBe(2);
            report.DifferingParts.ShouldContain("events/in");
            report.DifferingParts.ShouldContain("effects");
        }
    }
}
