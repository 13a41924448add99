using System.Collections.Immutable;

namespace Promethean.Core.Effects;

/// <summary>Embed texts with a model; answered by <c>llm/embed.result</c> with vectors in input order.</summary>
[TypeName("llm/embed")]
public sealed record LlmEmbed(string Endpoint, string Model, ImmutableArray<string> Inputs) : Effect;
