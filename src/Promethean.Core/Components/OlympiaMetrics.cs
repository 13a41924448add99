using System.Collections.Immutable;

namespace Promethean.Core.Components;

/// <summary>
/// Rolling quality and cost metrics (seed olympia.step): one window per "session|model" key, plus
/// sentinel and dedupe figures. Latencies keep the last <see cref="MetricWindow.Capacity"/> samples.
/// </summary>
public sealed record OlympiaMetrics(
    ImmutableSortedDictionary<string, MetricWindow> Windows,
    long SentinelsDone,
    long SentinelsFirstTry,
    long SentinelsFailed,
    ImmutableSortedSet<EntityId> SentinelsRetried,
    long IngestAccepted,
    long IngestRejected) : Component
{
    public static readonly OlympiaMetrics Empty = new(
        ImmutableSortedDictionary.Create<string, MetricWindow>(StringComparer.Ordinal), 0, 0, 0, [], 0, 0);

    public double SentinelFirstTryPassRate => SentinelsDone == 0 ? 0 : (double)SentinelsFirstTry / SentinelsDone;

    /// <summary>Share of ingest candidates dropped as duplicates or folded into spam aggregates.</summary>
    public double DedupeRatio => IngestAccepted + IngestRejected == 0 ? 0 : (double)IngestRejected / (IngestAccepted + IngestRejected);
}

/// <summary>Calls, errors, tokens, silence and recent latencies of one session on one model.</summary>
public sealed record MetricWindow(
    long Calls,
    long Errors,
    long ToolCalls,
    long ToolErrors,
    long Silences,
    long PromptTokens,
    long CompletionTokens,
    ImmutableArray<long> LatenciesMs)
{
    public const int Capacity = 256;

    public static readonly MetricWindow Empty = new(0, 0, 0, 0, 0, 0, 0, []);

    /// <summary>US dollars spent by the calls that had a configured price (<see cref="PricedCalls"/> of <see cref="Calls"/>).</summary>
    public double CostUsd { get; init; }

    public long PricedCalls { get; init; }

    public long LatencyP50 => Quantile(0.50);

    public long LatencyP95 => Quantile(0.95);

    public double SilenceRatio => Calls == 0 ? 0 : (double)Silences / Calls;

    public MetricWindow AddLatency(long ms)
    {
        var all = LatenciesMs.Add(ms);
        return this with { LatenciesMs = all.Length <= Capacity ? all : all[(all.Length - Capacity)..] };
    }

    private long Quantile(double q)
    {
        if (LatenciesMs.IsEmpty)
            return 0;
        var sorted = LatenciesMs.Sort();
        var index = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }
}
