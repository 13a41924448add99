using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Promethean.Core;
using Promethean.Discord;
using Promethean.Runtime;
using Promethean.Runtime.Adapters;
using Promethean.Runtime.Config;
using Promethean.Runtime.Handlers;
using Promethean.Runtime.Telemetry;
using Promethean.Stores.Sqlite;

namespace Promethean.Cli;

/// <summary>Wires config, store, handlers, adapters and the engine for one data dir.</summary>
public sealed class Daemon : IDisposable
{
    private readonly DataDirLock _lock;
    private readonly ILoggerFactory _logs;
    private readonly DiscordClient? _discord;
    private readonly OpenTelemetry.Metrics.MeterProvider? _telemetry;

    /// <param name="discord">A Discord client to use instead of the one the configuration's token gives (the demo's loopback).</param>
    public Daemon(string dataDir, PrometheanConfig config, ILoggerFactory logs, DiscordClient? discord = null)
    {
        _lock = DataDirLock.Acquire(dataDir);
        _logs = logs;
        Config = config;
        DatabasePath = Path.Combine(dataDir, "promethean.db");
        Store = SqliteStore.Open(DatabasePath);
        Guard = new PathGuard(config.Fs.BaseDirectory, config.Fs.Roots, config.Fs.MaxFileBytes);
        _discord = discord ?? DiscordClient.FromConfig(config.Discord, logs);
        IEffectHandler[] discordHandlers = _discord is null ? [] : [_discord.SendHandler];
        var dispatcher = new EffectDispatcher(
            [new FsReadHandler(Guard), new FsWriteHandler(Guard), new TimerWakeHandler(TimeProvider.System), .. Llm.LlmHandlers.Create(config.Llm, logs), .. discordHandlers],
            config.Engine.MaxInFlightPerType, TimeSpan.FromSeconds(config.Engine.EffectTimeoutSeconds), logs.CreateLogger("effects"));
        Engine = new Engine(Store, Schedule.Systems, dispatcher, config.Engine, TimeProvider.System, logs.CreateLogger("tick"));
        Engine.Open(Genesis.Build(config));
        Metrics = new PrometheanMetrics(Engine, TimeProvider.System);
        _telemetry = TelemetryExport.Start(config.Telemetry);
    }

    public string DatabasePath { get; }

    /// <summary>The runtime's metrics instruments; exported over OTLP when <c>Telemetry:Enabled</c>.</summary>
    public PrometheanMetrics Metrics { get; }

    public PrometheanConfig Config { get; }
    public SqliteStore Store { get; }
    public PathGuard Guard { get; }
    public Engine Engine { get; }

    /// <summary>
    /// Runs the tick loop with the timer, file watcher and (with a token) Discord gateway adapters until
    /// <paramref name="stopping"/>. A fatal gateway close stops the daemon with its error.
    /// </summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var adapterStop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var engineStop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var gateway = _discord?.Gateway(Engine.Inbound).RunAsync(adapterStop.Token) ?? Task.CompletedTask;
        _ = gateway.ContinueWith(_ => engineStop.Cancel(), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        var timers = new TimerAdapter(
            Config.Timers.ToDictionary(t => t.Key, t => TimeSpan.FromSeconds(t.Value.EverySeconds), StringComparer.Ordinal),
            Engine.Inbound, TimeProvider.System);
        using var watcher = new FsWatcherAdapter(Guard, Config.Fs.Watch, Config.Fs.Extensions, TimeSpan.FromSeconds(Config.Fs.RescanSeconds),
            Engine.Inbound, _logs.CreateLogger("fs"));
        var adapters = Task.WhenAll(timers.RunAsync(adapterStop.Token), watcher.RunAsync(adapterStop.Token));
        await Engine.RunAsync(engineStop.Token);
        await adapterStop.CancelAsync();
        await adapters;
        await gateway;
    }

    public Task RunScriptAsync(IEnumerable<ScriptLine> script, CancellationToken stopping) => Engine.RunScriptAsync(script, stopping);

    public static ImmutableArray<ScheduledSystem> Systems => Schedule.Systems;

    public void Dispose()
    {
        _telemetry?.Dispose();
        Metrics.Dispose();
        Store.Dispose();
        _discord?.Dispose();
        _lock.Dispose();
    }
}
