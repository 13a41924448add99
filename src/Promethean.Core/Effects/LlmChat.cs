using System.Collections.Immutable;

namespace Promethean.Core.Effects;

/// <summary>Ask an OpenAI-compatible model for a chat completion; answered by <c>llm/response</c>.</summary>
[TypeName("llm/chat")]
public sealed record LlmChat(
    string Endpoint,
    string Model,
    ImmutableArray<ChatMessage> Messages,
    ImmutableArray<ToolSpec> Tools,
    string? ToolChoice = null,
    int? MaxOutputTokens = null) : Effect;

/// <summary>A message in OpenAI-compatible shape (seed 7.3).</summary>
public sealed record ChatMessage(string Role, string Content, string? ToolCallId = null, string? Name = null);

/// <summary>A tool offered to the model: name, description and JSON schema of its parameters.</summary>
public sealed record ToolSpec(string Name, string Description, string ParametersJsonSchema);
