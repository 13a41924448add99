using Promethean.Core.Components;
using Promethean.Core.Events;

namespace Promethean.Core.Systems;

/// <summary>
/// seed sys.olympia.step: rolling quality and cost metrics per session and model from this tick's
/// events: LLM latency (p50/p95 over a window), tokens, errors, silence, tool calls and errors,
/// sentinel first-try pass rate, the ingest dedupe ratio from memory.ingest's counters, and cost in US
/// dollars where <see cref="World.Prices"/> has a price for the call's endpoint and model. Calls that carry no
/// session in their meta are keyed by their purpose (e.g. <c>compaction</c>).
/// </summary>
public static class OlympiaSystem
{
    public const string SilenceToken = "<cephalon:silence/>";

    public static World Update(World world, IStoreReader stores)
    {
        var before = world.Olympia.IsEmpty ? OlympiaMetrics.Empty : world.Olympia.First().Value;
        var metrics = before;
        foreach (var e in world.EventsThisTick)
            metrics = Apply(world, metrics, e);
        metrics = metrics with { IngestRejected = IngestRejectedSoFar(world) };
        if (ReferenceEquals(metrics, before) || metrics == before)
            return world;
        if (world.Olympia.IsEmpty)
        {
            var next = world.Spawn(out var id);
            return next with { Olympia = next.Olympia.Add(id, metrics) };
        }
        return world with { Olympia = world.Olympia.SetItem(world.Olympia.First().Key, metrics) };
    }

    private static OlympiaMetrics Apply(World world, OlympiaMetrics m, Event e) => e switch
    {
        LlmResponse r => Window(m, Key(world, Caller(r.Meta), r.Model), w => Priced(w.AddLatency(r.LatencyMs) with
        {
            Calls = w.Calls + 1,
            PromptTokens = w.PromptTokens + r.Usage.PromptTokens,
            CompletionTokens = w.CompletionTokens + r.Usage.CompletionTokens,
            Silences = w.Silences + (IsSilence(r) ? 1 : 0),
        }, world.Prices.PriceOf(r.Endpoint, r.Model), r.Usage)),
        EffectError err when err.EffectType == "llm/chat" => Window(m, Key(world, Caller(err.Meta), err.Meta.GetValueOrDefault("model")),
            w => w with { Calls = w.Calls + 1, Errors = w.Errors + 1 }),
        ToolResult t => Window(m, Key(world, t.Session.ToString(), null), w => w with { ToolCalls = w.ToolCalls + 1, ToolErrors = w.ToolErrors + (t.IsError ? 1 : 0) }),
        SentinelRetry s => m with { SentinelsRetried = m.SentinelsRetried.Add(s.Sentinel) },
        SentinelDone s => m with
        {
            SentinelsDone = m.SentinelsDone + 1,
            SentinelsFirstTry = m.SentinelsFirstTry + (m.SentinelsRetried.Contains(s.Sentinel) ? 0 : 1),
            SentinelsRetried = m.SentinelsRetried.Remove(s.Sentinel),
        },
        SentinelFailed s => m with { SentinelsFailed = m.SentinelsFailed + 1, SentinelsRetried = m.SentinelsRetried.Remove(s.Sentinel) },
        MemoryCreated c when c.Kind != Compaction.CompactionPlanner.SummaryKind => m with { IngestAccepted = m.IngestAccepted + 1 },
        _ => m,
    };

    /// <summary>A reply that says nothing: empty after think-stripping, or the explicit silence token.</summary>
    public static bool IsSilence(LlmResponse r) =>
        r.ToolCalls.IsDefaultOrEmpty && (string.IsNullOrWhiteSpace(r.Text) || r.Text.Trim() == SilenceToken);

    private static long IngestRejectedSoFar(World world) =>
        MemoryIngestSystem.Rejections(DebugStatsSystem.CountersOf(world)).Sum(r => r.Count);

    private static string? Caller(System.Collections.Immutable.ImmutableSortedDictionary<string, string> meta) =>
        meta.GetValueOrDefault("session") ?? meta.GetValueOrDefault("purpose");

    private static MetricWindow Priced(MetricWindow w, TokenPrice? price, LlmUsage usage) =>
        price is null ? w : w with
        {
            CostUsd = w.CostUsd + price.Cost(usage.PromptTokens, usage.CompletionTokens),
            PricedCalls = w.PricedCalls + 1,
        };

    private static string Key(World world, string? sessionId, string? model)
    {
        var session = EntityId.TryParse(sessionId, out var id) && world.Sessions.TryGetValue(id, out var s) ? s.Name : sessionId ?? "-";
        return session + "|" + (model ?? "-");
    }

    private static OlympiaMetrics Window(OlympiaMetrics m, string key, Func<MetricWindow, MetricWindow> change) =>
        m with { Windows = m.Windows.SetItem(key, change(m.Windows.GetValueOrDefault(key) ?? MetricWindow.Empty)) };
}
