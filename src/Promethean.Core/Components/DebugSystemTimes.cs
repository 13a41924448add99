using System.Collections.Immutable;

namespace Promethean.Core.Components;

/// <summary>Microseconds each system took in the previous tick, as measured and journaled by the runtime (seed 12.1).</summary>
public sealed record DebugSystemTimes(ImmutableSortedDictionary<string, long> Microseconds) : Component;
