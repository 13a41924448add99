using System.Diagnostics.Metrics;
using Promethean.Core;
using Promethean.Core.Components;

namespace Promethean.Runtime.Telemetry;

/// <summary>
/// The runtime's metrics as <see cref="System.Diagnostics.Metrics"/> instruments (meter
/// <see cref="MeterName"/>): olympia's rolling figures per session and model (cost where prices are configured), sentinel first-try
/// pass rate, dedupe ratio, tick, tick rate and queue depths. All instruments are observable: they
/// read the last committed world when an exporter collects, so the tick pays only for a reference swap.
/// </summary>
public sealed class PrometheanMetrics : IDisposable
{
    public const string MeterName = "Promethean";

    private readonly Engine _engine;
    private readonly Meter _meter;
    private World _world;

    public PrometheanMetrics(Engine engine, TimeProvider time)
    {
        _engine = engine;
        _world = engine.World;
        Rate = new TickRate(time);
        _meter = new Meter(MeterName);
        engine.Committed += OnCommitted;

        _meter.CreateObservableGauge("promethean.tick", () => World.Tick, description: "Last committed tick");
        _meter.CreateObservableGauge("promethean.tick.rate", () => Rate.PerSecond, unit: "{tick}/s", description: "Ticks committed per second");
        _meter.CreateObservableGauge("promethean.inbound.depth", () => (long)_engine.InboundDepth, unit: "{event}", description: "Events waiting for a tick");
        _meter.CreateObservableGauge("promethean.effects.in_flight", () => (long)_engine.EffectsInFlight, unit: "{effect}", description: "External effects being run");
        _meter.CreateObservableGauge("promethean.session.queue.length", () =>
            World.Sessions.Values.Select(s => new Measurement<long>(s.Queue.Length, new KeyValuePair<string, object?>("session", s.Name))),
            unit: "{event}", description: "Events queued per session");

        _meter.CreateObservableGauge("promethean.llm.latency.p50", () => PerWindow(w => (double)w.LatencyP50), unit: "ms", description: "LLM latency median over the rolling window");
        _meter.CreateObservableGauge("promethean.llm.latency.p95", () => PerWindow(w => (double)w.LatencyP95), unit: "ms", description: "LLM latency 95th percentile over the rolling window");
        _meter.CreateObservableCounter("promethean.llm.calls", () => PerWindowLong(w => w.Calls), unit: "{call}");
        _meter.CreateObservableCounter("promethean.llm.errors", () => PerWindowLong(w => w.Errors), unit: "{call}");
        _meter.CreateObservableCounter("promethean.llm.tokens.prompt", () => PerWindowLong(w => w.PromptTokens), unit: "{token}");
        _meter.CreateObservableCounter("promethean.llm.tokens.completion", () => PerWindowLong(w => w.CompletionTokens), unit: "{token}");
        _meter.CreateObservableCounter("promethean.llm.cost", () => Olympia.Windows.Where(kv => kv.Value.PricedCalls > 0)
            .Select(kv => new Measurement<double>(kv.Value.CostUsd, Tags(kv.Key))), unit: "USD", description: "Spend on calls with a configured token price");
        _meter.CreateObservableCounter("promethean.tool.calls", () => PerWindowLong(w => w.ToolCalls), unit: "{call}");
        _meter.CreateObservableCounter("promethean.tool.errors", () => PerWindowLong(w => w.ToolErrors), unit: "{call}");
        _meter.CreateObservableGauge("promethean.llm.silence.ratio", () => PerWindow(w => w.SilenceRatio), description: "Share of replies that said nothing");
        _meter.CreateObservableGauge("promethean.sentinel.first_try_pass_rate", () => Olympia.SentinelFirstTryPassRate);
        _meter.CreateObservableGauge("promethean.ingest.dedupe_ratio", () => Olympia.DedupeRatio);
    }

    public TickRate Rate { get; }

    private World World => Volatile.Read(ref _world);

    private OlympiaMetrics Olympia => World.Olympia.IsEmpty ? OlympiaMetrics.Empty : World.Olympia.First().Value;

    private void OnCommitted(TickReport report)
    {
        Volatile.Write(ref _world, _engine.World);
        Rate.Record(report.Tick);
    }

    private IEnumerable<Measurement<double>> PerWindow(Func<MetricWindow, double> value) =>
        Olympia.Windows.Select(kv => new Measurement<double>(value(kv.Value), Tags(kv.Key)));

    private IEnumerable<Measurement<long>> PerWindowLong(Func<MetricWindow, long> value) =>
        Olympia.Windows.Select(kv => new Measurement<long>(value(kv.Value), Tags(kv.Key)));

    /// <summary>Olympia keys its windows "session|model".</summary>
    private static KeyValuePair<string, object?>[] Tags(string key)
    {
        var bar = key.IndexOf('|', StringComparison.Ordinal);
        return bar < 0
            ? [new("session", key), new("model", "-")]
            : [new("session", key[..bar]), new("model", key[(bar + 1)..])];
    }

    public void Dispose()
    {
        _engine.Committed -= OnCommitted;
        _meter.Dispose();
    }
}
