using System.Collections.Immutable;
using Promethean.Core.Effects;

namespace Promethean.Runtime;

/// <summary>What one committed tick did, for the console, the inspector and tests.</summary>
public sealed record TickReport(
    long Tick,
    long TimeMs,
    int EventsIn,
    int EventsOut,
    ImmutableArray<Effect> Effects,
    string WorldHash,
    ImmutableSortedDictionary<string, long> SystemMicroseconds)
{
    public IEnumerable<Effect> ExternalEffects => Effects.Where(e => !e.IsStoreEffect);
}
