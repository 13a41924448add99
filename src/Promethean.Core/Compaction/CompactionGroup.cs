using System.Collections.Immutable;

namespace Promethean.Core.Compaction;

/// <summary>
/// Memories of one channel and time bucket that share a key cluster, to be folded into one summary.
/// <see cref="Hash"/> names exactly this member set (see <see cref="CompactionPlanner.GroupHash"/>), so
/// planning or committing the same group twice is recognised. Members are in (created, id) order.
/// </summary>
public sealed record CompactionGroup(
    string Hash,
    string Channel,
    long BucketStartMs,
    long BucketEndMs,
    string Cluster,
    ImmutableArray<string> Members,
    long FirstMs,
    long LastMs,
    int TokenEstimate)
{
    /// <summary>The id its summary memory gets: a function of the group hash, so a second commit finds it.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string SummaryId => CompactionPlanner.SummaryId(Hash);
}

/// <summary>A plan: the groups found (oldest bucket first), how many candidates were read, and whether a cap cut the read short.</summary>
public sealed record CompactionPlan(ImmutableArray<CompactionGroup> Groups, int Candidates, bool Truncated)
{
    public static readonly CompactionPlan Empty = new([], 0, false);

    public int Members => Groups.Sum(g => g.Members.Length);
}
