using System.Collections.Immutable;

namespace Promethean.Core.Events;

/// <summary>An <c>fs/write</c> effect replaced its file atomically.</summary>
[TypeName("fs/write.result")]
public sealed record FsWriteResult(string EffectId, string Path, string ContentHash) : Event, IEffectOutcome
{
    public ImmutableSortedDictionary<string, string> Meta { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
}
