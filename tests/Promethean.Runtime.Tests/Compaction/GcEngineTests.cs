using System.Collections.Immutable;
using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Cli;
using Promethean.Core;
using Promethean.Core.Compaction;
using Promethean.Core.Events;
using Promethean.Core.Ingest;
using Promethean.Core.Retrieval;
using Promethean.Core.Systems;
using Promethean.Runtime.Config;
using Promethean.Stores.Sqlite;

namespace Promethean.Runtime.Tests.Compaction;

/// <summary>
/// Compaction end to end: the daemon's engine, SQLite store, builtin summary responder and local MiniLM
/// embeddings; then retrieval, a second compaction, replay, and the <c>promethean gc</c> commands.
/// </summary>
public sealed class GcEngineTests
{
    private static readonly long Day = new DateTimeOffset(2024, 3, 5, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static readonly (string Author, string Text)[] Backup =
    [
        ("bob", "The nightly backup on nas01 runs at 03:00 UTC #backup"),
        ("ada", "Backup retention is 30 days for the photo share #backup"),
        ("cy", "Restore drills of the backup happen every Monday #backup"),
        ("bob", "Borg exits with code 2 when the backup fails #backup"),
        ("ada", "The backup key lives in the vault under ops/backup #backup"),
    ];

    private static readonly string[] Chatter = ["good morning all", "lunch at noon anyone?", "running late for standup", "the coffee machine is fixed"];

    private static PrometheanConfig Config()
    {
        var config = ConfigLoader.Load(null, new Dictionary<string, string?> { ["Memory:Compaction:MinAgeHours"] = "24" });
        config.Engine.RecordSystemTimes = false;
        config.Engine.StatusEverySeconds = 0;
        return config;
    }

    private static ScriptLine Messages()
    {
        var events = new List<Event>();
        for (var i = 0; i < Backup.Length; i++)
            events.Add(new DiscordMessageNew("b" + i, "42", null, "u-" + Backup[i].Author, Backup[i].Author, false, Backup[i].Text, Day + 3_600_000 + i * 60_000L));
        for (var i = 0; i < Chatter.Length; i++)
            events.Add(new DiscordMessageNew("c" + i, "42", null, "u-ada", "ada", false, Chatter[i], Day + 7_200_000 + i * 60_000L));
        return new ScriptLine(Day + 10_000_000, [.. events]);
    }

    /// <summary>The lines, then empty ticks while gc or embedding jobs remain.</summary>
    private static IEnumerable<ScriptLine> Drained(Daemon daemon, params ScriptLine[] lines)
    {
        foreach (var line in lines)
            yield return line;
        for (var i = 0; i < 50 && daemon.Engine.World.Jobs.Values.Any(j => j.Type == Core.Components.Job.GcCommit || EidolonIndexSystem.IsEmbedJob(j)); i++)
            yield return new ScriptLine(daemon.Engine.World.TimeMs + 1000, []);
    }

    [Fact]
    public async Task GcRequested_ThroughTheEngine_SummaryKeepsTheFactsForRetrievalAndReplayVerifies()
    {
        using var dir = new TempDir();
        var dataDir = dir.Combine("data");
        using (var daemon = new Daemon(dataDir, Config(), NullLoggerFactory.Instance))
        {
            var gc = new ScriptLine(Day + 3 * 86_400_000L, [new GcRequested("test")]);
            await daemon.Engine.RunScriptAsync(Drained(daemon, Messages()), CancellationToken.None, "ingest");
            var store = daemon.Store;
            var sources = store.AllMemories();
            sources.Count.ShouldBe(9);
            store.VectorCount("all-MiniLM-L6-v2", "canonical").ShouldBe(9);

            await daemon.Engine.RunScriptAsync(Drained(daemon, gc), CancellationToken.None, "gc-1");

            var summaries = store.AllMemories().Where(m => m.Kind == CompactionPlanner.SummaryKind).ToList();
            summaries.Count.ShouldBe(2);
            var backup = summaries.Single(m => m.Source["cluster"] == "tag:backup");
            backup.Text.ShouldContain("nas01");
            backup.Text.ShouldContain("03:00");
            backup.Source["sources"].Split(' ').Length.ShouldBe(5);
            sources.ShouldAllBe(m => store.GetMemory(m.Id)!.Lifecycle == Memory.Tombstoned);
            store.VectorCount("all-MiniLM-L6-v2", "canonical").ShouldBe(2);
            store.VectorCount("all-MiniLM-L6-v2", "eidolon").ShouldBe(2);
            daemon.Engine.World.Jobs.ShouldBeEmpty();

            using var embedder = new Llm.Local.LocalEmbeddingProvider();
            const string question = "when does the nightly backup run?";
            var keys = Tagger.Tag(question, new TagContext("query"), ImmutableSortedDictionary<string, ImmutableArray<string>>.Empty).Keys;
            var hits = MemoryRetrieval.Search(store, new RetrievalQuery(question, [.. embedder.Embed([question])[0]], [.. keys], daemon.Engine.World.TimeMs));
            hits[0].MemoryId.ShouldBe(backup.Id);
            hits.ShouldAllBe(h => store.GetMemory(h.MemoryId)!.Kind == CompactionPlanner.SummaryKind);

            // Compacting again finds nothing to do and changes no memory.
            var digest = store.MemoryDigest();
            await daemon.Engine.RunScriptAsync(Drained(daemon, gc with { TimeMs = gc.TimeMs + 60_000 }), CancellationToken.None, "gc-2");
            daemon.Engine.World.EventsOut.OfType<GcPlanned>().ShouldHaveSingleItem().Queued.ShouldBeEmpty();
            store.MemoryDigest().ShouldBe(digest);
        }

        using var journal = SqliteStore.Open(Path.Combine(dataDir, "promethean.db"));
        var report = Replayer.Replay(journal, Schedule.Systems);
        report.DivergedAtTick.ShouldBeNull();
        report.StoresMatch.ShouldBeTrue();
        report.TicksVerified.ShouldBe(journal.LastTick);
    }

    [Fact]
    public async Task GcPlanThenCommit_Cli_DryRunChangesNothingAndCommitPrintsTheGroups()
    {
        using var dir = new TempDir();
        dir.Write("config.json", """{ "Memory": { "Compaction": { "MinAgeHours": 24 } } }""");
        var dataDir = dir.Combine("data");
        var config = ConfigLoader.Load(dir.Combine("config.json"));
        config.Engine.RecordSystemTimes = false;
        using (var daemon = new Daemon(dataDir, config, NullLoggerFactory.Instance))
            await daemon.Engine.RunScriptAsync(Drained(daemon, Messages()), CancellationToken.None);

        string digest;
        long tick;
        ImmutableArray<CompactionGroup> groups;
        using (var store = SqliteStore.Open(Path.Combine(dataDir, "promethean.db")))
        {
            (digest, tick) = (store.MemoryDigest(), store.LastTick);
            groups = CompactionPlanner.Plan(store.LoadWorld() with { TimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }, store).Groups;
        }
        groups.Length.ShouldBe(2);

        var (code, output, err) = await Repo.RunCliAsync(dir.Path, "gc", "plan", "--data-dir", "data");
        code.ShouldBe(0, err);
        output.ShouldContain("dry run");
        output.ShouldContain("9 candidate(s), 2 group(s), 9 member(s)");
        foreach (var g in groups)
            output.ShouldContain(g.Hash[..12]);
        output.ShouldContain("tag:backup");
        using (var store = SqliteStore.Open(Path.Combine(dataDir, "promethean.db")))
        {
            store.MemoryDigest().ShouldBe(digest);
            store.LastTick.ShouldBe(tick);
        }

        (code, output, err) = await Repo.RunCliAsync(dir.Path, "gc", "commit", "--data-dir", "data", "--config", "config.json");
        code.ShouldBe(0, err);
        output.ShouldMatch(@"groups written\s+2");
        output.ShouldMatch(@"sources tombstoned\s+9");
        foreach (var g in groups)
            output.ShouldContain(g.Hash[..12]);
        using (var store = SqliteStore.Open(Path.Combine(dataDir, "promethean.db")))
        {
            store.AllMemories().Count(m => m.Kind == CompactionPlanner.SummaryKind).ShouldBe(2);
            store.VectorCount("all-MiniLM-L6-v2", "canonical").ShouldBe(2);
        }

        (code, output, err) = await Repo.RunCliAsync(dir.Path, "gc", "commit", "--data-dir", "data");
        code.ShouldBe(0, err);
        output.ShouldMatch(@"groups planned\s+0");
        (code, output, _) = await Repo.RunCliAsync(dir.Path, "replay", "--data-dir", "data");
        code.ShouldBe(0, output);
    }
}
