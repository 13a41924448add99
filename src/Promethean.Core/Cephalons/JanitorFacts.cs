using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Promethean.Core.Compaction;
using Promethean.Core.Components;
using Promethean.Core.Systems;

namespace Promethean.Core.Cephalons;

/// <summary>
/// What the janitor reports on (DESIGN 5), gathered from the world and the stores as plain text for its
/// prompt: memories by kind, dedupe rejects by reason, top spam families, embedding backlog, sentinel
/// outcomes, LLM calls, tokens and errors per session. Counts are since the previous report: the counter
/// values at that report are the session's <see cref="Session.Baseline"/>, which this returns updated.
/// </summary>
public static class JanitorFacts
{
    public const string AtKey = "at";
    public const int TopFamilies = 5;

    public sealed record Facts(string Text, ImmutableSortedDictionary<string, long> Baseline);

    public static Facts Build(World world, IStoreReader stores, Session session)
    {
        var before = session.Baseline;
        var now = ImmutableSortedDictionary.CreateBuilder<string, long>(StringComparer.Ordinal);
        now[AtKey] = world.TimeMs;
        var since = before.GetValueOrDefault(AtKey);
        var text = new StringBuilder();
        text.Append("Janitor report for ").Append(world.Cephalons.GetValueOrDefault(session.Cephalon)?.Name ?? "the cephalon")
            .Append(", tick ").Append(Num(world.Tick)).Append(", covering ")
            .Append(since == 0 ? "everything so far" : "the time since " + Time(since) + " UTC")
            .Append(" up to ").Append(Time(world.TimeMs)).Append(" UTC.\n");

        var kinds = stores.MemoryKinds(since);
        text.Append("\n## Memories created\n");
        if (kinds.Count == 0)
            text.Append("- none\n");
        foreach (var k in kinds)
            text.Append("- ").Append(k.Kind).Append(": ").Append(Num(k.Count)).Append('\n');

        var counters = DebugStatsSystem.CountersOf(world);
        text.Append("\n## Dedupe rejects by reason\n");
        var any = false;
        foreach (var (reason, counter, count) in MemoryIngestSystem.Rejections(counters))
        {
            now[counter] = count;
            var delta = count - before.GetValueOrDefault(counter);
            if (delta <= 0)
                continue;
            any = true;
            text.Append("- ").Append(reason).Append(": ").Append(Num(delta)).Append('\n');
        }
        if (!any)
            text.Append("- none\n");

        text.Append("\n## Top spam families\n");
        // An aggregate is one family in one time bucket; the report adds a family's buckets up.
        var families = stores.LatestOfKind(MemoryIngestSystem.SpamAggregateKind, 500)
            .Where(m => Long(m.Source.GetValueOrDefault("lastSeenMs")) >= since)
            .GroupBy(m => (Channel: m.Source.GetValueOrDefault("channel", "?"), Pattern: m.Source.GetValueOrDefault("pattern", m.Text)))
            .Select(g => (g.Key.Channel, g.Key.Pattern, Count: g.Sum(m => Long(m.Source.GetValueOrDefault("count"))), Buckets: g.Count()))
            .OrderByDescending(f => f.Count).ThenBy(f => f.Channel, StringComparer.Ordinal).ThenBy(f => f.Pattern, StringComparer.Ordinal)
            .Take(TopFamilies)
            .ToList();
        if (families.Count == 0)
            text.Append("- none\n");
        foreach (var f in families)
        {
            text.Append("- \"").Append(Short(f.Pattern, 80)).Append("\" in #").Append(f.Channel).Append(": ")
                .Append(Num(f.Count)).Append(" messages folded, over ").Append(Num(f.Buckets)).Append(f.Buckets == 1 ? " bucket\n" : " buckets\n");
        }

        var jobs = world.Jobs.Values.Where(j => j.Type is Job.EmbedCanonical or Job.EmbedEidolon).ToList();
        text.Append("\n## Embedding backlog\n")
            .Append("- pending: ").Append(Num(jobs.Count(j => j.Status == JobStatus.Pending)))
            .Append(", running: ").Append(Num(jobs.Count(j => j.Status == JobStatus.Running)))
            .Append(", deferred: ").Append(Num(stores.DeferredJobCount))
            .Append(", failed: ").Append(Num(jobs.Count(j => j.Status == JobStatus.Failed))).Append('\n');

        var olympia = world.Olympia.IsEmpty ? OlympiaMetrics.Empty : world.Olympia.First().Value;
        now["sentinel.done"] = olympia.SentinelsDone;
        now["sentinel.failed"] = olympia.SentinelsFailed;
        text.Append("\n## Sentinel outcomes\n")
            .Append("- done: ").Append(Num(olympia.SentinelsDone - before.GetValueOrDefault("sentinel.done")))
            .Append(", failed: ").Append(Num(olympia.SentinelsFailed - before.GetValueOrDefault("sentinel.failed")))
            .Append(", in progress: ").Append(Num(world.Sentinels.Values.Count(s => s.State is not (SentinelState.Done or SentinelState.Failed))))
            .Append('\n');
        foreach (var failed in world.Sentinels.Values.Where(s => s.State == SentinelState.Failed).Take(5))
            text.Append("  - failed: ").Append(failed.Input.Path).Append(": ").Append(Short(failed.LastResult ?? "no reason kept", 160)).Append('\n');

        text.Append("\n## LLM calls per session and model\n");
        if (olympia.Windows.IsEmpty)
            text.Append("- none\n");
        foreach (var (key, w) in olympia.Windows)
        {
            var calls = Delta(now, before, "llm." + key + ".calls", w.Calls);
            var tokens = Delta(now, before, "llm." + key + ".tokens", w.PromptTokens + w.CompletionTokens);
            var errors = Delta(now, before, "llm." + key + ".errors", w.Errors);
            var toolCalls = Delta(now, before, "llm." + key + ".tools", w.ToolCalls);
            var toolErrors = Delta(now, before, "llm." + key + ".tool-errors", w.ToolErrors);
            text.Append("- ").Append(key.Replace("|-", "", StringComparison.Ordinal).Replace("|", " on ", StringComparison.Ordinal)).Append(": ");
            if (w.Calls > 0)
                text.Append(Num(calls)).Append(" calls, ").Append(Num(tokens)).Append(" tokens, ").Append(Num(errors)).Append(" errors, p95 ")
                    .Append(Num(w.LatencyP95)).Append(" ms");
            if (w.ToolCalls > 0)
                text.Append(w.Calls > 0 ? "; " : "").Append(Num(toolCalls)).Append(" tool calls, ").Append(Num(toolErrors)).Append(" failed");
            text.Append('\n');
        }
        var plan = CompactionPlanner.Plan(world, stores);
        text.Append("\n## Compaction plan\n");
        if (plan.Groups.IsEmpty)
            text.Append("- nothing old enough to compact (").Append(Num(plan.Candidates)).Append(" candidates read)\n");
        else
            text.Append("- ").Append(Num(plan.Groups.Length)).Append(" groups, ").Append(Num(plan.Groups.Sum(g => g.Members.Length)))
                .Append(" memories, about ").Append(Num(plan.Groups.Sum(g => (long)g.TokenEstimate))).Append(" tokens would fold into summaries")
                .Append(plan.Truncated ? " (more beyond this plan)" : "").Append('\n');
        foreach (var g in plan.Groups.Take(TopFamilies))
            text.Append("  - #").Append(g.Channel).Append(' ').Append(Time(g.BucketStartMs)).Append(": ").Append(Num(g.Members.Length))
                .Append(" memories (cluster ").Append(g.Cluster).Append(")\n");
        return new Facts(text.ToString(), now.ToImmutable());
    }

    private static long Delta(ImmutableSortedDictionary<string, long>.Builder now, ImmutableSortedDictionary<string, long> before, string key, long value)
    {
        now[key] = value;
        return value - before.GetValueOrDefault(key);
    }

    private static long Long(string? s) => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static string Short(string s, int max)
    {
        var line = s.ReplaceLineEndings(" ");
        return line.Length <= max ? line : line[..max] + "…";
    }

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
