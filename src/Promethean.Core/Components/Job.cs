namespace Promethean.Core.Components;

/// <summary>An eidolon job (seed 2.5): embedding or compaction work with priority and a dedupe key.</summary>
public sealed record Job(
    string Type,
    int Priority,
    JobStatus Status,
    string DedupeKey,
    string Payload) : Component
{
    public const string EmbedCanonical = "embed/canonical";
    public const string EmbedEidolon = "embed/eidolon";
    public const string GcPlan = "gc/plan";
    public const string GcCommit = "gc/commit";

    /// <summary>Embedding model of an embed job.</summary>
    public string Model { get; init; } = "";

    /// <summary>Failed attempts so far.</summary>
    public int Attempt { get; init; }

    /// <summary>A pending job is not started before this time (retry backoff).</summary>
    public long NotBeforeMs { get; init; }

    /// <summary>Tick the job was enqueued.</summary>
    public long EnqueuedTick { get; init; }

    /// <summary>The <c>llm/embed</c> effect carrying a running job, and the job's input position in it.</summary>
    public string? EffectId { get; init; }

    public int BatchIndex { get; init; }
}

public enum JobStatus
{
    Pending,
    Running,
    Done,
    Failed,
}
