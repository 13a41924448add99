using System.Collections.Immutable;
using Promethean.Core.Compaction;
using Promethean.Core.Components;

namespace Promethean.Runtime.Config;

/// <summary>
/// The <c>Memory:Compaction</c> section (issue #8): how old memories are grouped and folded into summaries.
/// Off by default: <c>promethean gc commit</c> compacts on demand; set <see cref="EveryMinutes"/> (e.g. 60) for
/// a cadence.
/// </summary>
public sealed class CompactionConfig
{
    /// <summary>Minutes between scheduled plans; 0 (default) compacts only on demand.</summary>
    public double EveryMinutes { get; set; }

    /// <summary>Only time buckets that ended at least this many hours ago are compacted (default 7 days).</summary>
    public double MinAgeHours { get; set; } = 7 * 24;

    /// <summary>Width of a time bucket in hours (default one UTC day).</summary>
    public double BucketHours { get; set; } = 24;

    public int MinGroupSize { get; set; } = 4;
    public int MaxGroupSize { get; set; } = 40;

    /// <summary>Memory kinds compacted; empty means <c>discord.message</c>. Summaries and spam aggregates never are.</summary>
    public List<string> Kinds { get; set; } = [];

    public int MaxCandidates { get; set; } = 20_000;
    public int MaxGroupsPerPlan { get; set; } = 200;

    /// <summary>Chat endpoint for summaries; empty: <c>Llm:ContractEndpoints:memory/summary</c>, else the default chat endpoint.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>Model for summaries; empty: the endpoint's model.</summary>
    public string Model { get; set; } = "";

    public int MaxOutputTokens { get; set; } = 512;
    public int MaxPromptChars { get; set; } = 12_000;
    public int MaxInFlight { get; set; } = 2;
    public int MaxAttempts { get; set; } = 3;
    public double BackoffSeconds { get; set; } = 5;

    public CompactionSettings ToSettings() => new()
    {
        EveryMs = (long)(EveryMinutes * 60_000),
        MinAgeMs = (long)(MinAgeHours * CompactionSettings.HourMs),
        BucketMs = (long)(BucketHours * CompactionSettings.HourMs),
        MinGroupSize = MinGroupSize,
        MaxGroupSize = MaxGroupSize,
        Kinds = Kinds.Count == 0 ? CompactionSettings.Default.Kinds : ImmutableSortedSet.CreateRange(StringComparer.Ordinal, Kinds),
        MaxCandidates = MaxCandidates,
        MaxGroupsPerPlan = MaxGroupsPerPlan,
        Endpoint = Endpoint,
        Model = Model,
        MaxOutputTokens = MaxOutputTokens,
        MaxPromptChars = MaxPromptChars,
        MaxInFlight = MaxInFlight,
        MaxAttempts = MaxAttempts,
        BackoffMs = (long)(BackoffSeconds * 1000),
    };

    public IEnumerable<string> Validate()
    {
        if (EveryMinutes < 0)
            yield return "Memory:Compaction:EveryMinutes must not be negative (0 turns the cadence off)";
        if (MinAgeHours < 0)
            yield return "Memory:Compaction:MinAgeHours must not be negative";
        if (BucketHours * CompactionSettings.HourMs < 60_000)
            yield return "Memory:Compaction:BucketHours must be at least one minute";
        if (MinGroupSize < 2)
            yield return "Memory:Compaction:MinGroupSize must be at least 2";
        if (MaxGroupSize < MinGroupSize)
            yield return "Memory:Compaction:MaxGroupSize must be at least MinGroupSize";
        foreach (var kind in Kinds.Where(k => !CompactionPlanner.IsCompactableKind(k) || string.IsNullOrWhiteSpace(k)))
            yield return $"Memory:Compaction:Kinds: '{kind}' cannot be compacted (summaries and spam aggregates never are)";
        if (MaxCandidates < 1 || MaxGroupsPerPlan < 1 || MaxOutputTokens < 1 || MaxPromptChars < 1 || MaxInFlight < 1 || MaxAttempts < 1)
            yield return "Memory:Compaction: caps, in-flight calls and attempts must be at least 1";
        if (BackoffSeconds < 0)
            yield return "Memory:Compaction:BackoffSeconds must not be negative";
    }
}
