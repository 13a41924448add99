using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Cli;
using Promethean.Core;
using Promethean.Runtime.Config;
using Promethean.Runtime.Handlers;
using Promethean.Stores.Sqlite;

namespace Promethean.Runtime.Tests;

/// <summary>
/// Reloading the world from the store between ticks must not change anything: a run that stops
/// every few ticks (effects in flight) and restarts gives the same hash at every tick as one that
/// never stops, with and without embeddings. LLM chats are left out: their outcome carries the
/// measured latency, so two separate runs differ by nature (a replay of one run does not).
/// </summary>
public sealed class RestartDeterminismTests
{
    private static Engine Open(SqliteStore store, PrometheanConfig config, string baseDir)
    {
        var guard = new PathGuard(baseDir, config.Fs.Roots, config.Fs.MaxFileBytes);
        var dispatcher = new EffectDispatcher(
            [new FsReadHandler(guard), new FsWriteHandler(guard), new TimerWakeHandler(TimeProvider.System), .. Llm.LlmHandlers.Create(config.Llm, NullLoggerFactory.Instance)],
            8, TimeSpan.FromSeconds(30), NullLogger.Instance);
        var engine = new Engine(store, Schedule.Systems, dispatcher, config.Engine, TimeProvider.System, NullLogger.Instance);
        engine.Open(Genesis.Build(config));
        return engine;
    }

    [Theory]
    [InlineData("")]
    [InlineData("local")]
    public async Task Run_ReloadedEveryFewTicks_MatchesAnUnbrokenRunAtEveryTick(string embedEndpoint)
    {
        using var dir = new TempDir();
        // No session follows the channels: model answers carry their measured latency, so two runs that call a model
        // differ by nature (docs/architecture.md); everything else here is a function of its input.
        var config = ConfigLoader.Load(null, new Dictionary<string, string?>
        {
            ["Engine:StatusEverySeconds"] = "0",
            ["Memory:EmbedEndpoint"] = embedEndpoint,
            ["Cephalons:0:Name"] = "Duck",
            ["Cephalons:0:Sessions:0:Name"] = "janitor",
            ["Cephalons:0:Sessions:0:Role"] = "janitor",
            ["Cephalons:0:Sessions:0:EventTypes:0"] = "timer/tick",
        });
        var script = DemoScript.Generate(ticks: 60, seed: 3).ToList();

        using (var store = SqliteStore.Open(dir.Combine("a.db")))
            await Open(store, config, dir.Path).RunScriptAsync(script, default);

        // Stop after every few committed ticks, mid-flight: the tick's effects are pending in the outbox,
        // exactly as after a crash; the next engine reloads the world and dispatches them again.
        for (var round = 0; round < 40; round++)
        {
            using var store = SqliteStore.Open(dir.Combine("b.db"));
            var engine = Open(store, config, dir.Path);
            using var stop = new CancellationTokenSource();
            var stopAt = engine.World.Tick + 7;
            engine.Committed += r =>
            {
                if (r.Tick >= stopAt)
                    stop.Cancel();
            };
            await engine.RunScriptAsync(script, stop.Token);
            if (!stop.IsCancellationRequested)
                break;
        }

        using var a = SqliteStore.Open(dir.Combine("a.db"));
        using var b = SqliteStore.Open(dir.Combine("b.db"));
        var left = a.ReadJournal().ToList();
        var right = b.ReadJournal().ToList();
        right.Count.ShouldBe(left.Count);
        for (var i = 0; i < left.Count; i++)
        {
            var differing = Core.Serialization.WorldHash.DifferingParts(left[i].Parts, right[i].Parts).ToList();
            differing.ShouldBeEmpty($"tick {left[i].Tick} differs in {string.Join(", ", differing)}");
        }
    }
}
