using System.Collections.Immutable;

namespace Promethean.Core.Events;

/// <summary>Vectors for an <c>llm/embed</c> effect, in input order.</summary>
[TypeName("llm/embed.result")]
public sealed record LlmEmbedResult(string EffectId, string Model, ImmutableArray<ImmutableArray<float>> Vectors) : Event, IEffectOutcome
{
    public ImmutableSortedDictionary<string, string> Meta { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
}
