namespace Promethean.Core.Components;

/// <summary>An eidolon job (seed 2.5): embedding or compaction work with priority and a dedupe key.</summary>
public sealed record Job(
    string Type,
    int Priority,
    JobStatus Status,
    string DedupeKey,
    string Payload)
{
    public const string EmbedCanonical = "embed/canonical";
    public const string EmbedEidolon = "embed/eidolon";
    public const string GcPlan = "gc/plan";
    public const string GcCommit = "gc/commit";
}

public enum JobStatus
{
    Pending,
    Running,
    Done,
    Failed,
}
