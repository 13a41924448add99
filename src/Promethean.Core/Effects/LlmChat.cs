using System.Collections.Immutable;
using Promethean.Core.Events;

namespace Promethean.Core.Effects;

/// <summary>
/// Ask an OpenAI-compatible model for a chat completion; answered by <c>llm/response</c>. <see cref="Endpoint"/>
/// names a configured endpoint (<c>builtin</c> is the offline provider); an empty <see cref="Model"/> means the
/// endpoint's model. <c>Meta["contract"]</c> picks the builtin provider's responder.
/// </summary>
[TypeName("llm/chat")]
public sealed record LlmChat(
    string Endpoint,
    string Model,
    ImmutableArray<ChatMessage> Messages,
    ImmutableArray<ToolSpec> Tools,
    string? ToolChoice = null,
    int? MaxOutputTokens = null) : Effect;

/// <summary>
/// A message in OpenAI-compatible shape (seed 7.3). An assistant message that called tools carries them in
/// <see cref="ToolCalls"/> so the following <c>tool</c> messages can answer them by id.
/// </summary>
public sealed record ChatMessage(string Role, string Content, string? ToolCallId = null, string? Name = null, ImmutableArray<ToolCall>? ToolCalls = null);

/// <summary>A tool offered to the model: name, description and JSON schema of its parameters.</summary>
public sealed record ToolSpec(string Name, string Description, string ParametersJsonSchema);
