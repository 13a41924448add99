using System.Collections.Immutable;

namespace Promethean.Core.Components;

/// <summary>
/// A contract-driven job (seed 2.3) on one input, moving through its states one tick at a time.
/// The init-only properties are the job's bookkeeping: what it waits for, what it read, what it wrote.
/// </summary>
public sealed record Sentinel(
    string Name,
    Contract Contract,
    SentinelState State,
    SentinelInput Input,
    SentinelRetries Retries,
    string? LastResult = null) : Component
{
    /// <summary>The effect whose outcome this sentinel waits for; outcomes of any other effect are stale and ignored.</summary>
    public string? AwaitingEffectId { get; init; }

    /// <summary>Type of the awaited effect (<c>timer/wake</c>, <c>fs/read</c>, <c>llm/chat</c>, <c>fs/write</c>).</summary>
    public string? Awaiting { get; init; }

    /// <summary>Bumped by every trigger; a debounce wake for an older generation is ignored.</summary>
    public long Generation { get; init; }

    /// <summary>The text read from the input and its content hash, kept while the job runs.</summary>
    public string? Content { get; init; }

    public string? ReadHash { get; init; }

    /// <summary>Hash of the content being written, so the watcher's event for our own write is recognised even before the write result.</summary>
    public string? WritingHash { get; init; }

    /// <summary>Hash of the file as the sentinel left it (written, found valid, or given up on): events with it do not re-trigger.</summary>
    public string? SettledHash { get; init; }

    /// <summary>A trigger arrived while busy: run again once this job ends.</summary>
    public bool Dirty { get; init; }

    public ImmutableArray<string> LastViolations { get; init; } = [];

    /// <summary><c>written</c>, <c>already-valid</c>, <c>skipped</c> or <c>failed</c> once terminal.</summary>
    public string? Outcome { get; init; }

    public string? Reason { get; init; }

    /// <summary>Retries of the same attempt after a retryable model error (server down, timeout).</summary>
    public int ServerRetries { get; init; }

    /// <summary>Times the job started over because the file changed under it.</summary>
    public int Restarts { get; init; }

    public int LlmCalls { get; init; }

    public long PromptTokens { get; init; }

    public long CompletionTokens { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsTerminal => State is SentinelState.Done or SentinelState.Failed;
}

/// <summary>What a sentinel works on.</summary>
public sealed record SentinelInput(string Path);

/// <summary>Attempts made so far and the cap (seed default 5).</summary>
public sealed record SentinelRetries(int Attempt = 0, int Max = 5);

/// <summary>
/// A sentinel contract as data (seed 9.2): input and output kinds, validator id, allowed tools, model,
/// and the output fields with their rules. A new contract is a new value of this record.
/// </summary>
public sealed record Contract(
    string Id,
    string InputKind,
    string OutputKind,
    string Validator,
    ImmutableSortedSet<string> Tools,
    string Model)
{
    public ImmutableArray<FieldRule> Fields { get; init; } = [];
}

/// <summary>
/// One output field and its rule. Kinds: <c>text</c> (non-empty, one line, at most Max chars),
/// <c>kebab-case</c>, <c>sentences</c> (Min..Max sentences), <c>kebab-list</c> (Min..Max unique
/// kebab-case items) and <c>iso-8601-utc</c>.
/// </summary>
public sealed record FieldRule(string Field, string Kind, int Min = 0, int Max = 0);

public enum SentinelState
{
    Pending,
    Running,
    Validating,
    Retry,
    Done,
    Failed,
}
