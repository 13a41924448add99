using System.Collections.Immutable;
using Promethean.Core.Components;
using Promethean.Core.Sentinels;

namespace Promethean.Runtime.Config;

/// <summary>The frontmatter sentinel: which notes it keeps valid, which model it asks, how it waits and retries.</summary>
public sealed class SentinelConfig
{
    public const string DefaultGlob = "docs/notes/**/*.md";

    public bool Enabled { get; set; } = true;

    /// <summary>Globs of the notes kept valid, relative to Fs:BaseDirectory. Empty: <c>docs/notes/**/*.md</c>.</summary>
    public List<string> Paths { get; set; } = [];

    /// <summary>Named OpenAI-compatible endpoint, or <c>builtin</c> for the offline heuristic provider.</summary>
    public string Endpoint { get; set; } = "builtin";

    public string Model { get; set; } = "builtin";

    /// <summary>Quiet time after the last change to a note before the sentinel reads it.</summary>
    public long DebounceMs { get; set; } = 750;

    public int MaxAttempts { get; set; } = 5;

    public double BackoffSeconds { get; set; } = 2;

    public double MaxBackoffSeconds { get; set; } = 30;

    public int MaxServerRetries { get; set; } = 20;

    public int BodyBudgetTokens { get; set; } = 1500;

    public IEnumerable<string> Errors()
    {
        if (DebounceMs < 0)
            yield return "Sentinel:DebounceMs must not be negative";
        if (MaxAttempts < 1)
            yield return "Sentinel:MaxAttempts must be at least 1";
        if (BackoffSeconds <= 0 || MaxBackoffSeconds < BackoffSeconds)
            yield return "Sentinel:BackoffSeconds must be positive and at most Sentinel:MaxBackoffSeconds";
        if (MaxServerRetries < 0)
            yield return "Sentinel:MaxServerRetries must not be negative";
        if (BodyBudgetTokens < 64)
            yield return "Sentinel:BodyBudgetTokens must be at least 64";
        if (string.IsNullOrWhiteSpace(Endpoint))
            yield return "Sentinel:Endpoint must not be empty";
        if (Paths.Any(p => p.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(p)))
            yield return "Sentinel:Paths must be relative globs without '..'";
    }

    /// <summary>The world component genesis records for this configuration.</summary>
    public SentinelSettings ToSettings()
    {
        var contract = Contracts.FrontmatterV1 with { Model = Model };
        var globs = Paths.Count == 0 ? [DefaultGlob] : Paths.Select(p => p.Replace('\\', '/')).ToImmutableArray();
        return new SentinelSettings([new SentinelBinding("frontmatter", globs, contract)])
        {
            Endpoint = Endpoint,
            DebounceMs = DebounceMs,
            BackoffBaseMs = (long)(BackoffSeconds * 1000),
            BackoffMaxMs = (long)(MaxBackoffSeconds * 1000),
            MaxServerRetries = MaxServerRetries,
            BodyBudgetTokens = BodyBudgetTokens,
            MaxAttempts = MaxAttempts,
        };
    }
}
