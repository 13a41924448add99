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

    private static Engine NewEngine(SqliteStore store, string baseDir, EngineOptions? options = null, TimeProvider? time = null)
    {
        var guard = new PathGuard(baseDir, ["n"], 1 << 20);
        var dispatcher = new EffectDispatcher([new FsReadHandler(guard), new FsWriteHandler(guard)], 8, TimeSpan.FromSeconds(5), NullLogger.Instance);
        var engine = new Engine(store, Systems, dispatcher, options ?? new EngineOptions { StatusEverySeconds = 0 }, time ?? TimeProvider.System, NullLogger.Instance);
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
    public async Task Inbound_WarmsWhatItQueues_AndTheTickIsTheOneUnwarmedEventsGive()
    {
        using var dir = new TempDir();
        DiscordMessageNew[] messages =
        [
            new("1", "c1", null, "u1", "user", false, "the ducks met at noon by the pond", 1000),
            new("2", "c1", null, "u2", "user", false, "the ducks met at noon by the pond", 1001), // duplicate
            new("3", "c1", null, "u3", "user", false, "half a pair: \ud800 alone", 1002), // invalid text
            new("4", "c1", null, "u4", "user", false, "", 1003), // empty
        ];
        string warmed;
        using (var store = SqliteStore.Open(dir.Combine("a.db")))
        {
            var engine = NewEngine(store, dir.Path, new EngineOptions { StatusEverySeconds = 0, RecordSystemTimes = false, MaxBatch = messages.Length }, new FixedTime(5000));
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            // The first tick, and how many events it took; its effects' outcomes may make more ticks before the loop stops.
            var committed = new TaskCompletionSource<(long Tick, int EventsIn)>();
            engine.Committed += r => committed.TrySetResult((r.Tick, engine.World.EventsIn.Length));
            foreach (var m in messages)
                engine.Inbound.TryWrite(m).ShouldBeTrue(); // queued before the loop starts: one tick takes all four
            var loop = engine.RunAsync(stop.Token);
            await Task.WhenAny(committed.Task, loop).WaitAsync(stop.Token);
            await stop.CancelAsync();
            await loop; // surfaces a failure of the loop itself
            var (tick, eventsIn) = await committed.Task;
            eventsIn.ShouldBe(messages.Length);
            warmed = store.ReadJournalEntry(tick)!.WorldHash;
        }
        using (var store = SqliteStore.Open(dir.Combine("b.db")))
        {
            // Copies made by `with` carry no memo: this tick computes everything itself.
            var engine = NewEngine(store, dir.Path, new EngineOptions { StatusEverySeconds = 0, RecordSystemTimes = false });
            var report = engine.Step([.. messages.Select(m => (Event)(m with { }))], 5000);
            report.WorldHash.ShouldBe(warmed);
            var counters = Core.Systems.DebugStatsSystem.CountersOf(engine.World);
            counters["ingest.accepted"].ShouldBe(1);
            counters["ingest.rejected.invalid-text"].ShouldBe(1);
        }
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
        EditOutside(dbPath, "UPDATE journal SET events_in = replace(events_in, 'msg 3', 'msg three') WHERE tick = 3").ShouldBe(1);
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

    /// <summary>
    /// A data dir journaled before world-hash formats were recorded (format 1): replay says which format it has and
    /// which this build computes instead of reporting a divergence at tick 1, and the engine will not resume it (the
    /// ticks it added could never be replayed). Neither changes the store.
    /// </summary>
    [Fact]
    public async Task HashFormat_OlderJournal_ReplayAndResumeNameBothFormats_AndLeaveTheStore()
    {
        using var dir = new TempDir();
        var dbPath = dir.Combine("data", "promethean.db");
        Directory.CreateDirectory(dir.Combine("data"));
        using (var store = SqliteStore.Open(dbPath))
        {
            store.HashFormat.ShouldBe(WorldHash.Format, "a new store takes this build's format");
            var engine = NewEngine(store, dir.Path);
            store.HashFormat.ShouldBe(WorldHash.Format);
            engine.Step([new DiscordMessageNew("1", "c", null, "u", "ada", false, "hello", 1)], 1000);
            Replayer.Replay(store, Systems).Ok.ShouldBeTrue();
        }
        EditOutside(dbPath, "DELETE FROM world_meta WHERE key = 'hash_format'").ShouldBe(1);
        using (var store = SqliteStore.Open(dbPath))
        {
            store.HashFormat.ShouldBe(1);
            var message = Should.Throw<InvalidOperationException>(() => Replayer.Replay(store, Systems)).Message;
            message.ShouldContain("format 1");
            message.ShouldContain($"format {WorldHash.Format}");
            Should.Throw<InvalidOperationException>(() => NewEngine(store, dir.Path)).Message.ShouldContain("format 1");
            store.LastTick.ShouldBe(1);
        }
        var (code, output, err) = await Repo.RunCliAsync(dir.Path, "replay", "--data-dir", "data");
        code.ShouldBe(1, output);
        err.ShouldContain("world-hash format 1");
        output.ShouldNotContain("DIVERGED");
        (code, output, err) = await Repo.RunCliAsync(dir.Path, "status", "--json", "--data-dir", "data");
        code.ShouldBe(0, err);
        System.Text.Json.JsonDocument.Parse(output).RootElement.GetProperty("hashFormat").GetInt32().ShouldBe(1);
    }

    /// <summary>Changes a closed store's file through a connection of its own, as a hand at the file would; returns the rows changed.</summary>
    private static int EditOutside(string dbPath, string sql)
    {
        using var db = new SqliteConnection($"Data Source={dbPath};Pooling=false");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteNonQuery();
    }

    /// <summary>A clock stopped at <paramref name="unixMs"/>, so a daemon tick's time stamp is known.</summary>
    private sealed class FixedTime(long unixMs) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
    }

    /// <summary>Before each <c>fs/write</c>, notes whether its outbox row is durable (seen by another connection), then writes.</summary>
    private sealed class DurabilityProbe(string dbPath, FsWriteHandler inner) : EffectHandler<FsWrite>
    {
        public List<bool> DurableAtDispatch { get; } = [];

        protected override Task<Event> HandleAsync(FsWrite effect, CancellationToken cancellationToken)
        {
            using (var outside = SqliteStore.OpenReadOnly(dbPath))
                DurableAtDispatch.Add(outside.PendingOutbox().Any(p => p.Effect.Id == effect.Id));
            return ((IEffectHandler)inner).HandleAsync(effect, cancellationToken);
        }
    }

    /// <summary>Chat lines (store writes only) with a timer line (a file write to dispatch) every seventh.</summary>
    private static List<ScriptLine> MixedScript() =>
    [
        .. Enumerable.Range(1, 30).Select(i => new ScriptLine(i * 1000L, i % 7 == 3
            ? [new TimerTick("t" + i, i * 1000L)]
            : [new DiscordMessageNew("m" + i, "c1", null, "u1", "user", false, $"note {i}: the {i * 37 % 11} ducks met at {i} o'clock", i * 1000L)])),
    ];

    /// <summary>
    /// Ingest and indexing (store writes, no external effect) and the timer's file writes: no cephalon, whose sessions
    /// would answer chats with model calls, external effects on ticks that are meant to be held.
    /// </summary>
    private static ImmutableArray<ScheduledSystem> StoreAndFileSystems =>
        [.. Schedule.Systems.Where(s => s.Name is "memory.ingest" or "eidolon.index" or "debug.stats"), new("test.write-on-timer", WriteOnTimer)];

    private static (Engine Engine, DurabilityProbe Probe) GroupEngine(SqliteStore store, string dir, string dbPath, int groupTicks)
    {
        var guard = new PathGuard(dir, ["n"], 1 << 20);
        var probe = new DurabilityProbe(dbPath, new FsWriteHandler(guard));
        var dispatcher = new EffectDispatcher([probe], 8, TimeSpan.FromSeconds(5), NullLogger.Instance);
        var options = new EngineOptions { StatusEverySeconds = 0, RecordSystemTimes = false, ScriptGroupTicks = groupTicks, ScriptGroupMilliseconds = 60_000 };
        var engine = new Engine(store, StoreAndFileSystems, dispatcher, options, TimeProvider.System, NullLogger.Instance);
        engine.Open(Genesis.Build(ConfigLoader.Load(null, new Dictionary<string, string?> { ["Memory:EmbedEndpoint"] = "" })));
        return (engine, probe);
    }

    [Fact]
    public async Task RunScriptAsync_GroupCommit_HoldsPlainTicksCommitsBeforeEachDispatchAndMatchesTickByTick()
    {
        using var dir = new TempDir();
        var script = MixedScript();
        var journals = new List<List<string>>();
        foreach (var groupTicks in new[] { 1, 4 })
        {
            var dbPath = dir.Combine($"g{groupTicks}.db");
            using var store = SqliteStore.Open(dbPath);
            var (engine, probe) = GroupEngine(store, dir.Path, dbPath, groupTicks);
            var heldAtCommit = 0;
            engine.Committed += report =>
            {
                using var outside = SqliteStore.OpenReadOnly(dbPath);
                if (outside.ReadJournalEntry(report.Tick) is null)
                    heldAtCommit++;
            };

            await engine.RunScriptAsync(script, default);

            probe.DurableAtDispatch.Count.ShouldBe(4);
            probe.DurableAtDispatch.ShouldAllBe(durable => durable);
            if (groupTicks == 1)
                heldAtCommit.ShouldBe(0);
            else
                heldAtCommit.ShouldBeGreaterThan(10);
            using (var outside = SqliteStore.OpenReadOnly(dbPath))
            {
                outside.Cursor(Engine.ScriptCursor).ShouldBe(script.Count);
                outside.PendingOutbox().ShouldBeEmpty();
                journals.Add([.. outside.ReadJournal().Select(j => j.WorldHash)]);
            }
        }
        journals[0].Count.ShouldBe(script.Count); // each outcome comes at the head of the next line's tick
        journals[1].ShouldBe(journals[0]);
    }

    private static Memory Note(string id, string source) => new(id, "note", id, id, source, ImmutableSortedDictionary<string, string>.Empty, [], [], "active", 0);

    /// <summary>Writes a memory every tick, and on tick 4 two claiming one source, which the store refuses (unique constraint).</summary>
    private static World NoteEachTickFailOnTick4(World world, IStoreReader stores) =>
        world.Tick == 4
            ? world.Do([new MemPut(Note("x", "test:same")), new MemPut(Note("y", "test:same"))])
            : world.Do(new MemPut(Note("n" + world.Tick, "test:" + world.Tick)));

    [Fact]
    public async Task RunScriptAsync_TickFailingInAGroup_LeavesEngineAndStoreAtTheLastDurableTick()
    {
        using var dir = new TempDir();
        var dbPath = dir.Combine("p.db");
        using var store = SqliteStore.Open(dbPath);
        var dispatcher = new EffectDispatcher([], 8, TimeSpan.FromSeconds(5), NullLogger.Instance);
        var engine = new Engine(store, [new("test.note-each-tick", NoteEachTickFailOnTick4)], dispatcher,
            new EngineOptions { StatusEverySeconds = 0, RecordSystemTimes = false, ScriptGroupTicks = 8, ScriptGroupMilliseconds = 60_000 }, TimeProvider.System, NullLogger.Instance);
        engine.Open(Genesis.Build(ConfigLoader.Load(null, new Dictionary<string, string?> { ["Memory:EmbedEndpoint"] = "" })));
        engine.Step([], 500); // tick 1, committed alone
        var lines = Enumerable.Range(1, 5).Select(i => new ScriptLine(1000L * i, [])).ToList();

        await Should.ThrowAsync<SqliteException>(() => engine.RunScriptAsync(lines, default));

        // Ticks 2 and 3 were held with tick 4: all three are gone, and the engine is back at tick 1 with the store.
        store.ReadJournal().Select(j => j.Tick).ShouldBe([1L]);
        engine.World.Tick.ShouldBe(1);
        store.HoldsTicks.ShouldBeFalse();
        store.ReadJournal().Select(j => j.Tick).ShouldBe([1L]);
        store.Cursor(Engine.ScriptCursor).ShouldBe(0);
        store.GetMemory("n1").ShouldNotBeNull();
        store.GetMemory("n2").ShouldBeNull();
        WorldHash.Compute(engine.World).Hex.ShouldBe(store.ReadJournalEntry(1)!.WorldHash);
    }
}
