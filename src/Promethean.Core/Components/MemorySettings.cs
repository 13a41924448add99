using System.Collections.Immutable;

namespace Promethean.Core.Components;

/// <summary>
/// Memory pipeline knobs as world data (issue #5): written at genesis from configuration so that
/// ingest, indexing and embedding read them from the world, never from the environment. A world
/// without a settings entity uses <see cref="Default"/>.
/// </summary>
public sealed record MemorySettings : Component
{
    public static readonly MemorySettings Default = new();

    /// <summary>Exact duplicates: same channel, same normalized text within this many ms.</summary>
    public long DedupeWindowMs { get; init; } = 10 * 60_000;

    /// <summary>Near duplicates: SimHash over word 3-grams within this Hamming distance, same channel and window.</summary>
    public int SimHashMaxDistance { get; init; } = 6;

    public long SimHashWindowMs { get; init; } = 10 * 60_000;

    /// <summary>Members of one spam family per bucket kept as their own memories; later ones fold into the aggregate.</summary>
    public int SpamThreshold { get; init; } = 3;

    public long SpamBucketMs { get; init; } = 3_600_000;

    /// <summary>Texts longer than this (UTF-16 code units, after normalization) are rejected as <c>too-long</c>.</summary>
    public int MaxTextChars { get; init; } = 64 * 1024;

    /// <summary>Lexicon tier: a tag applied when any of its words or phrases occurs (case-insensitive, whole words).</summary>
    public ImmutableSortedDictionary<string, ImmutableArray<string>> Lexicon { get; init; } = ImmutableSortedDictionary<string, ImmutableArray<string>>.Empty;

    /// <summary>Embedding endpoint and model for <c>llm/embed</c>; empty endpoint turns embeddings off.</summary>
    public string EmbedEndpoint { get; init; } = "local";

    public string EmbedModel { get; init; } = "all-MiniLM-L6-v2";

    /// <summary>Also embed the eidolon text (field digest + text) besides the canonical text.</summary>
    public bool EmbedEidolon { get; init; } = true;

    /// <summary>Most pending embedding jobs kept in the world; lower-priority overflow is deferred to the store.</summary>
    public int MaxPendingJobs { get; init; } = 2048;

    /// <summary>Most inputs and most estimated tokens in one <c>llm/embed</c> batch.</summary>
    public int EmbedBatchSize { get; init; } = 64;

    public int EmbedBatchTokens { get; init; } = 8192;

    /// <summary>Most <c>llm/embed</c> batches in flight.</summary>
    public int EmbedMaxInFlight { get; init; } = 2;

    /// <summary>Attempts before a job is failed; the n-th retry waits <see cref="EmbedBackoffMs"/> * 2^(n-1).</summary>
    public int EmbedMaxAttempts { get; init; } = 5;

    public long EmbedBackoffMs { get; init; } = 2_000;

    /// <summary>Texts cut to this many characters before embedding (MiniLM reads 256 tokens).</summary>
    public int EmbedMaxChars { get; init; } = 2_000;

    /// <summary>Compaction (<c>gc/plan</c>, <c>gc/commit</c>) of old memories into summaries.</summary>
    public CompactionSettings Compaction { get; init; } = CompactionSettings.Default;
}
