using System.Collections.Immutable;

namespace Promethean.Core.Components;

/// <summary>
/// Sentinel configuration as world data (built by the runtime's genesis from config): which
/// contracts watch which paths, and the knobs of debounce, retry backoff and prompt budget.
/// </summary>
public sealed record SentinelSettings(ImmutableArray<SentinelBinding> Bindings) : Component
{
    public static readonly SentinelSettings Default = new([new SentinelBinding("frontmatter", ["docs/notes/**/*.md"], Sentinels.Contracts.FrontmatterV1)]);

    /// <summary>OpenAI-compatible endpoint name for <c>llm/chat</c>; <c>builtin</c> is the offline provider.</summary>
    public string Endpoint { get; init; } = "builtin";

    /// <summary>Quiet time after the last change before a file is read; 0 reads at once.</summary>
    public long DebounceMs { get; init; }

    /// <summary>First wait after a retryable model error; doubles each time up to <see cref="BackoffMaxMs"/>.</summary>
    public long BackoffBaseMs { get; init; } = 2_000;

    public long BackoffMaxMs { get; init; } = 60_000;

    /// <summary>Model answers tried for one note before it fails (seed default 5).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Retryable model errors tolerated for one note before it fails.</summary>
    public int MaxServerRetries { get; init; } = 20;

    /// <summary>Times a job starts over because the file changed while it ran.</summary>
    public int MaxRestarts { get; init; } = 5;

    /// <summary>Token budget for the note body excerpt in the prompt (estimated at 4 chars a token).</summary>
    public int BodyBudgetTokens { get; init; } = 1_500;

    public int MaxOutputTokens { get; init; } = 512;

    /// <summary>Longest model answer looked at; longer answers are a violation, not parsed.</summary>
    public int MaxAnswerChars { get; init; } = 16_384;
}
