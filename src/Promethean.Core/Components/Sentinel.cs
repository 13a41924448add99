using System.Collections.Immutable;

namespace Promethean.Core.Components;

/// <summary>A contract-driven job (seed 2.3) that moves through its states one tick at a time.</summary>
public sealed record Sentinel(
    string Name,
    Contract Contract,
    SentinelState State,
    SentinelInput Input,
    SentinelRetries Retries,
    string? LastResult = null);

/// <summary>What a sentinel works on.</summary>
public sealed record SentinelInput(string Path);

/// <summary>Attempts made so far and the cap (seed default 5).</summary>
public sealed record SentinelRetries(int Attempt = 0, int Max = 5);

/// <summary>A sentinel contract as data (seed 9.2): input and output kinds, validator id, allowed tools, model.</summary>
public sealed record Contract(
    string Id,
    string InputKind,
    string OutputKind,
    string Validator,
    ImmutableSortedSet<string> Tools,
    string Model);

public enum SentinelState
{
    Pending,
    Running,
    Validating,
    Retry,
    Done,
    Failed,
}
