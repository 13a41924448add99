using System.Collections.Immutable;
using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Runtime.Config;
using Promethean.Runtime.Handlers;
using Promethean.Stores.Sqlite;

namespace Promethean.Runtime.Tests.Sentinels;

/// <summary>
/// The real engine, store and fs handlers over a temp folder. The model is the process edge: the
/// test answers each <c>llm/chat</c> with an <c>llm/response</c> or <c>llm/chat.error</c> event,
/// the data a real provider would produce.
/// </summary>
internal sealed class SentinelHarness : IDisposable
{
    public const long StartMs = 1_764_000_000_000;

    private readonly EffectDispatcher _dispatcher;
    private List<Event> _outcomes = [];

    public SentinelHarness(Action<PrometheanConfig>? configure = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "promethean-sentinel-" + Path.GetRandomFileName());
        Directory.CreateDirectory(Path.Combine(Root, "docs", "notes"));
        Config = new PrometheanConfig();
        Config.Fs.BaseDirectory = Root;
        Config.Fs.Roots.Add("docs/notes");
        Config.Sentinel.DebounceMs = 0;
        Config.Sentinel.BackoffSeconds = 0.001;
        Config.Sentinel.MaxBackoffSeconds = 0.002;
        configure?.Invoke(Config);
        Store = SqliteStore.Open(Path.Combine(Root, "promethean.db"));
        Guard = new PathGuard(Config.Fs.BaseDirectory, Config.Fs.Roots, Config.Fs.MaxFileBytes);
        _dispatcher = new EffectDispatcher([new FsReadHandler(Guard), new FsWriteHandler(Guard), new TimerWakeHandler(TimeProvider.System)],
            4, TimeSpan.FromSeconds(30), NullLogger.Instance);
        Engine = new Engine(Store, Schedule.Systems, _dispatcher, new EngineOptions { RecordSystemTimes = false, StatusEverySeconds = 0 },
            TimeProvider.System, NullLogger.Instance);
        Engine.Open(Genesis.Build(Config));
    }

    public string Root { get; }
    public PrometheanConfig Config { get; }
    public SqliteStore Store { get; }
    public PathGuard Guard { get; }
    public Engine Engine { get; }
    public World World => Engine.World;
    public int LlmCalls { get; private set; }

    public string Full(string relative) => Path.Combine(Root, relative);

    public string Write(string relative, string text) => WriteBytes(relative, System.Text.Encoding.UTF8.GetBytes(text));

    public string WriteBytes(string relative, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Full(relative))!);
        File.WriteAllBytes(Full(relative), bytes);
        return relative;
    }

    public FsFileCreated Created(string relative)
    {
        var bytes = File.ReadAllBytes(Full(relative));
        return new FsFileCreated(relative, PathGuard.HashOf(bytes), bytes.Length);
    }

    /// <summary>
    /// Ticks until nothing is in flight: fs and timer effects go through the real handlers, each
    /// <c>llm/chat</c> is answered by <paramref name="model"/> (an event, or null to leave it unanswered).
    /// </summary>
    public async Task RunAsync(Func<LlmChat, Event?> model, params Event[] first)
    {
        _outcomes = [.. _outcomes, .. first];
        for (var guard = 0; guard < 500 && _outcomes.Count > 0; guard++)
            await TickAsync(model);
    }

    public async Task TickAsync(Func<LlmChat, Event?> model, params Event[] extra)
    {
        var batch = ImmutableArray.CreateRange([.. _outcomes, .. extra]);
        _outcomes = [];
        var report = Engine.Step(batch, StartMs + (World.Tick + 1) * 1000);
        var dispatched = new List<Task<Event>>();
        foreach (var effect in report.ExternalEffects)
        {
            if (effect is LlmChat chat)
            {
                LlmCalls++;
                var answer = model(chat);
                if (answer is not null)
                    _outcomes.Add(answer);
            }
            else
            {
                dispatched.Add(_dispatcher.DispatchAsync(effect, CancellationToken.None));
            }
        }
        _outcomes.AddRange(await Task.WhenAll(dispatched));
        _outcomes = [.. _outcomes.OrderBy(e => ((IEffectOutcome)e).EffectId, StringComparer.Ordinal)];
    }

    public static LlmResponse Reply(LlmChat chat, string text) =>
        new(chat.Id, text, [], "stop", new LlmUsage(120, 40, false), 3, chat.Model, chat.Endpoint) { Meta = chat.Meta };

    public static EffectError ServerDown(LlmChat chat) =>
        new(chat.Id, chat.Type, "connection refused (localhost:11434)", Retryable: true) { Meta = chat.Meta };

    public Sentinel SentinelFor(string relative) => World.Sentinels.Values.Single(s => s.Input.Path == relative);

    public void Dispose()
    {
        Store.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // temp folder; best effort
        }
    }
}
