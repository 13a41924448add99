using System.Collections.Immutable;

namespace Promethean.Core.Events;

/// <summary>A candidate output was checked by the contract validator (seed 3.3).</summary>
[TypeName("sentinel/validated")]
public sealed record SentinelValidated(EntityId Sentinel, int Attempt, ImmutableArray<string> Violations) : Event;
