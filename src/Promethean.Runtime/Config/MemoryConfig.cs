using System.Collections.Immutable;
using Promethean.Core.Components;

namespace Promethean.Runtime.Config;

/// <summary>The <c>Memory</c> section: dedupe, spam families, lexicon tags and embeddings (issue #5).</summary>
public sealed class MemoryConfig
{
    public double DedupeWindowMinutes { get; set; } = 10;
    public int SimHashMaxDistance { get; set; } = 6;
    public double SimHashWindowMinutes { get; set; } = 10;
    public int SpamThreshold { get; set; } = 3;
    public double SpamBucketMinutes { get; set; } = 60;
    public int MaxTextChars { get; set; } = 64 * 1024;

    /// <summary>Lexicon tier: tag name to words or phrases that apply it.</summary>
    public Dictionary<string, List<string>> Lexicon { get; set; } = [];

    /// <summary>Endpoint for <c>llm/embed</c> ("local" = MiniLM in process); empty turns embeddings off.</summary>
    public string EmbedEndpoint { get; set; } = "local";
    public string EmbedModel { get; set; } = "all-MiniLM-L6-v2";
    public bool EmbedEidolon { get; set; } = true;
    public int MaxPendingJobs { get; set; } = 2048;
    public int EmbedBatchSize { get; set; } = 64;
    public int EmbedBatchTokens { get; set; } = 8192;
    public int EmbedMaxInFlight { get; set; } = 2;
    public int EmbedMaxAttempts { get; set; } = 5;
    public double EmbedBackoffSeconds { get; set; } = 2;

    /// <summary>Folding old memories into summaries (<c>gc/plan</c>, <c>gc/commit</c>).</summary>
    public CompactionConfig Compaction { get; set; } = new();

    /// <summary>The settings as world data, written at genesis.</summary>
    public MemorySettings ToSettings() => new()
    {
        DedupeWindowMs = (long)(DedupeWindowMinutes * 60_000),
        SimHashMaxDistance = SimHashMaxDistance,
        SimHashWindowMs = (long)(SimHashWindowMinutes * 60_000),
        SpamThreshold = SpamThreshold,
        SpamBucketMs = (long)(SpamBucketMinutes * 60_000),
        MaxTextChars = MaxTextChars,
        Lexicon = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
            Lexicon.Select(p => new KeyValuePair<string, ImmutableArray<string>>(p.Key, [.. p.Value]))),
        EmbedEndpoint = EmbedEndpoint,
        EmbedModel = EmbedModel,
        EmbedEidolon = EmbedEidolon,
        MaxPendingJobs = MaxPendingJobs,
        EmbedBatchSize = EmbedBatchSize,
        EmbedBatchTokens = EmbedBatchTokens,
        EmbedMaxInFlight = EmbedMaxInFlight,
        EmbedMaxAttempts = EmbedMaxAttempts,
        EmbedBackoffMs = (long)(EmbedBackoffSeconds * 1000),
        Compaction = Compaction.ToSettings(),
    };

    public IEnumerable<string> Validate()
    {
        if (DedupeWindowMinutes < 0 || SimHashWindowMinutes < 0)
            yield return "Memory: dedupe windows must not be negative";
        if (SimHashMaxDistance is < 0 or > 64)
            yield return "Memory:SimHashMaxDistance must be within 0..64";
        if (SpamThreshold < 1)
            yield return "Memory:SpamThreshold must be at least 1";
        if (SpamBucketMinutes <= 0)
            yield return "Memory:SpamBucketMinutes must be positive";
        if (MaxTextChars < 1)
            yield return "Memory:MaxTextChars must be positive";
        if (MaxPendingJobs < 1 || EmbedBatchSize < 1 || EmbedBatchTokens < 1 || EmbedMaxInFlight < 1 || EmbedMaxAttempts < 1)
            yield return "Memory: embedding queue sizes, batch caps and attempts must be at least 1";
        if (EmbedBackoffSeconds < 0)
            yield return "Memory:EmbedBackoffSeconds must not be negative";
        foreach (var error in Compaction.Validate())
            yield return error;
    }
}
