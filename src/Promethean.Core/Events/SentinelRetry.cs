using System.Collections.Immutable;

namespace Promethean.Core.Events;

/// <summary>A sentinel retries with a stricter prompt (seed 3.3).</summary>
[TypeName("sentinel/retry")]
public sealed record SentinelRetry(EntityId Sentinel, int Attempt, ImmutableArray<string> Violations) : Event;
