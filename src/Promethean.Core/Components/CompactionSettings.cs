using System.Collections.Immutable;

namespace Promethean.Core.Components;

/// <summary>
/// Compaction knobs as world data (issue #8), part of <see cref="MemorySettings"/>: which memories are old
/// enough to fold into summaries, how they are grouped, and how <c>gc/commit</c> calls the model.
/// </summary>
public sealed record CompactionSettings
{
    public static readonly CompactionSettings Default = new();

    public const long HourMs = 3_600_000;

    /// <summary>Cadence of the scheduled <c>gc/plan</c> job; 0 means compaction runs only on demand (<c>gc/requested</c>).</summary>
    public long EveryMs { get; init; }

    /// <summary>Only time buckets that ended at least this long ago are compacted.</summary>
    public long MinAgeMs { get; init; } = 7 * 24 * HourMs;

    /// <summary>Width of a time bucket; a group never spans two buckets.</summary>
    public long BucketMs { get; init; } = 24 * HourMs;

    /// <summary>Smaller clusters join their channel-bucket's leftover group; groups still smaller are left alone.</summary>
    public int MinGroupSize { get; init; } = 4;

    /// <summary>Bigger clusters are split, in time order, into even parts of at most this many members.</summary>
    public int MaxGroupSize { get; init; } = 40;

    /// <summary>Memory kinds that are compacted; summaries and spam aggregates never are, whatever this says.</summary>
    public ImmutableSortedSet<string> Kinds { get; init; } = ImmutableSortedSet.Create(StringComparer.Ordinal, "discord.message");

    /// <summary>Most candidate memories read per kind by one plan (oldest first).</summary>
    public int MaxCandidates { get; init; } = 20_000;

    /// <summary>Most groups one plan turns into <c>gc/commit</c> jobs (oldest buckets first).</summary>
    public int MaxGroupsPerPlan { get; init; } = 200;

    /// <summary>Chat endpoint and model of the summary calls; empty means the router's choice for the contract.</summary>
    public string Endpoint { get; init; } = "";

    public string Model { get; init; } = "";

    public int MaxOutputTokens { get; init; } = 512;

    /// <summary>Source text put in one summary prompt; longer messages are cut to their share.</summary>
    public int MaxPromptChars { get; init; } = 12_000;

    /// <summary>Summary calls in flight at once.</summary>
    public int MaxInFlight { get; init; } = 2;

    /// <summary>Attempts per group before its job fails (sources untouched); retry n waits <see cref="BackoffMs"/> * 2^(n-1).</summary>
    public int MaxAttempts { get; init; } = 3;

    public long BackoffMs { get; init; } = 5_000;
}
