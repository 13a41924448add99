using System.Collections.Immutable;

namespace Promethean.Core.Events;

/// <summary>
/// An effect failed: an unknown type, a handler error, a timeout or a rejection (path escape, ...).
/// Its type string is <c>&lt;effect type&gt;.error</c>, e.g. <c>fs/read.error</c>.
/// </summary>
public sealed record EffectError(string EffectId, string EffectType, string Message, bool Retryable = false) : Event, IEffectOutcome
{
    public ImmutableSortedDictionary<string, string> Meta { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    public override string Type => EffectType + ".error";
}
