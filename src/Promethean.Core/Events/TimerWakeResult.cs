using System.Collections.Immutable;

namespace Promethean.Core.Events;

/// <summary>The time asked for by a <c>timer/wake</c> effect has come.</summary>
[TypeName("timer/wake.result")]
public sealed record TimerWakeResult(string EffectId, long DueMs) : Event, IEffectOutcome
{
    public ImmutableSortedDictionary<string, string> Meta { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
}
