using System.Collections.Immutable;

namespace Promethean.Core.Components;

/// <summary>Monotonic counters by name (seed 12.1), e.g. events in by type.</summary>
public sealed record DebugCounters(ImmutableSortedDictionary<string, long> Values) : Component
{
    public long this[string name] => Values.TryGetValue(name, out var v) ? v : 0;

    public DebugCounters Add(string name, long delta) =>
        delta == 0 ? this : new(Values.SetItem(name, this[name] + delta));
}
