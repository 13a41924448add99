using System.Collections.Immutable;

namespace Promethean.Core.Events;

/// <summary>The text read by an <c>fs/read</c> effect.</summary>
[TypeName("fs/read.result")]
public sealed record FsReadResult(string EffectId, string Path, string Content, string ContentHash) : Event, IEffectOutcome
{
    public ImmutableSortedDictionary<string, string> Meta { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
}
