using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core;
using Promethean.Core.Events;
using Promethean.Runtime;
using Promethean.Runtime.Config;
using Promethean.Stores.Sqlite;

namespace Promethean.Inspector.Tests;

/// <summary>
/// A scripted, deterministic run on a temp data dir with the test schedule and the fake model,
/// advanced a few script lines at a time by the tests, with an inspector serving it on a free port.
/// </summary>
public sealed class InspectorRun : IAsyncDisposable
{
    private static readonly string[] Lines =
    [
        "Deploy finished in 4m 12s, all checks green.",
        "The notes sync keeps failing on my laptop.",
        "We should tag every meeting note with the project slug.",
        "Why did the bot answer twice last night?",
        "Embedding backlog is shrinking nicely.",
    ];

    private readonly TempDir _dir;
    private readonly List<ScriptLine> _script;
    private int _done;

    private InspectorRun(TempDir dir, SqliteStore store, Engine engine, ImmutableArray<ScheduledSystem> systems, List<ScriptLine> script)
    {
        _dir = dir;
        Store = store;
        Engine = engine;
        Systems = systems;
        _script = script;
    }

    public SqliteStore Store { get; }
    public Engine Engine { get; }
    public ImmutableArray<ScheduledSystem> Systems { get; }
    public InspectorServer? Server { get; private set; }
    public string DatabasePath => Path.Combine(_dir.Path, "promethean.db");

    /// <summary>
    /// Opens the run; with <paramref name="serve"/> the inspector starts on 127.0.0.1 and a free port;
    /// <paramref name="prices"/> configures token prices for the fake model (builtin endpoint).
    /// </summary>
    public static async Task<InspectorRun> StartAsync(bool serve = true, InspectorOptions? options = null, ModelPrice? prices = null)
    {
        var dir = new TempDir();
        var store = SqliteStore.Open(Path.Combine(dir.Path, "promethean.db"));
        var config = ConfigLoader.Load(null);
        config.Engine.StatusEverySeconds = 0;
        if (prices is not null)
        {
            config.Llm.Endpoints[LlmConfig.BuiltinEndpoint] = new LlmEndpointConfig
            {
                Provider = LlmProvider.Builtin,
                Model = "builtin",
                ContextWindowTokens = 32768,
                Prices = { ["builtin"] = prices },
            };
        }
        var systems = TestCephalon.Schedule();
        var dispatcher = new EffectDispatcher([new FakeLlmHandler()], 4, TimeSpan.FromSeconds(10), NullLogger.Instance);
        var engine = new Engine(store, systems, dispatcher, config.Engine, TimeProvider.System, NullLogger.Instance);
        engine.Open(Genesis.Build(config));
        var run = new InspectorRun(dir, store, engine, systems, Script());
        if (serve)
            run.Server = await InspectorServer.StartAsync(engine, run.DatabasePath, systems, options ?? new InspectorOptions { Port = 0 });
        return run;
    }

    /// <summary>Runs the next <paramref name="lines"/> script lines (and the ticks their effect outcomes need).</summary>
    public Task AdvanceAsync(int lines)
    {
        _done = Math.Min(_script.Count, _done + lines);
        return Engine.RunScriptAsync(_script.Take(_done), CancellationToken.None);
    }

    /// <summary>Forty ticks of chatter; tick 3 asks the model, so the context panel has something to show.</summary>
    private static List<ScriptLine> Script()
    {
        var start = new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var script = new List<ScriptLine>();
        var id = 300000000000000000L;
        for (var t = 0; t < 40; t++)
        {
            var time = start + t * 60_000L;
            var events = ImmutableArray.CreateBuilder<Event>();
            for (var i = 0; i < 3; i++)
            {
                var text = t == 2 && i == 0 ? TestCephalon.Trigger + " are the deploys green?" : Lines[(t + i) % Lines.Length] + $" ({t}.{i})";
                events.Add(new DiscordMessageNew((id++).ToString(CultureInfo.InvariantCulture), "100000000000000001", "900000000000000001",
                    "200000000000000001", "ada", false, text, time + i * 1000L));
            }
            script.Add(new ScriptLine(time, events.ToImmutable()));
        }
        return script;
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
            await Server.DisposeAsync();
        Store.Dispose();
        _dir.Dispose();
    }
}
