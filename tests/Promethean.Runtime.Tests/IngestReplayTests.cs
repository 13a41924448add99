using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Cli;
using Promethean.Core;
using Promethean.Core.Events;
using Promethean.Runtime.Config;

namespace Promethean.Runtime.Tests;

public sealed class IngestReplayTests
{
    [Fact]
    public async Task Replay_IngestRunWithEmbeddings_ReproducesEveryHashAndStore()
    {
        var t = 1_700_000_000_000L;
        DiscordMessageNew M(string id, string text, long at, bool bot = false) => new(id, "42", null, bot ? "9" : "1", "a", bot, text, at);
        ScriptLine[] script =
        [
            new(t, [M("1", "the vault sync fails with System.IO.IOException #sync", t), M("2", "the vault sync fails with System.IO.IOException #sync", t + 1000)]),
            new(t + 60_000, [.. Enumerable.Range(0, 6).Select(i => (Event)M("b" + i, $"Build #{100 + i} finished in {i + 1}m", t + 60_000 + i, bot: true))]),
            new(t + 120_000, []),
            new(t + 180_000, []),
        ];
        await RunThenReplay(Config(), script, daemon =>
        {
            daemon.Store.VectorCount("all-MiniLM-L6-v2", "canonical").ShouldBeGreaterThan(0);
            Core.Systems.DebugStatsSystem.CountersOf(daemon.Engine.World)["ingest.rejected.spam-family"].ShouldBe(3);
        });
    }

    [Fact]
    public async Task Replay_ScriptWarmedAheadTickByTick_ReproducesEveryHashAndStore()
    {
        // Lines of 250 messages: while a tick commits, the engine warms the next line on the other core (its hash bytes
        // and what ingest derives from each message alone); replay runs every tick cold and must find the same hashes.
        var config = Config();
        config.Memory.EmbedEndpoint = "";
        var script = Core.Tests.SyntheticDiscordDay.Generate().Select(m => m.Message).Chunk(250)
            .Select(chunk => new ScriptLine(chunk[^1].TimestampMs, [.. chunk.Cast<Event>()])).ToList();
        await RunThenReplay(config, script, daemon =>
        {
            var accepted = Core.Systems.DebugStatsSystem.CountersOf(daemon.Engine.World)["ingest.accepted"];
            accepted.ShouldBeGreaterThan(1000);
            daemon.Store.MemoryCount.ShouldBeGreaterThanOrEqualTo(accepted);
        });
    }

    private static PrometheanConfig Config()
    {
        var config = ConfigLoader.Load(null);
        config.Engine.RecordSystemTimes = false;
        config.Engine.StatusEverySeconds = 0;
        return config;
    }

    /// <summary>
    /// Runs <paramref name="script"/> in a daemon over a fresh data directory, checks the daemon with
    /// <paramref name="afterRun"/>, then replays the journal: every tick's hash and the stores must match.
    /// </summary>
    private static async Task RunThenReplay(PrometheanConfig config, IReadOnlyCollection<ScriptLine> script, Action<Daemon> afterRun)
    {
        var dir = Path.Combine(Path.GetTempPath(), "promethean-ingest-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var daemon = new Daemon(dir, config, NullLoggerFactory.Instance))
            {
                await daemon.RunScriptAsync(script, CancellationToken.None);
                afterRun(daemon);
            }
            using var store = Stores.Sqlite.SqliteStore.Open(Path.Combine(dir, "promethean.db"));
            var report = Replayer.Replay(store, Schedule.Systems);
            report.DivergedAtTick.ShouldBeNull();
            report.StoresMatch.ShouldBeTrue();
            report.TicksVerified.ShouldBeGreaterThanOrEqualTo(script.Count);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }
}
