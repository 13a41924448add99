using System.Collections.Immutable;

namespace Promethean.Core.Events;

/// <summary>A model's answer to an <c>llm/chat</c> effect (seed 3.2), think-stripped, with normalized tool calls.</summary>
[TypeName("llm/response")]
public sealed record LlmResponse(
    string EffectId,
    string Text,
    ImmutableArray<ToolCall> ToolCalls,
    string? FinishReason,
    LlmUsage Usage,
    long LatencyMs,
    string Model,
    string Endpoint) : Event, IEffectOutcome
{
    public ImmutableSortedDictionary<string, string> Meta { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>
    /// What the client had to work around for this answer (tools dropped after a 400, missing tool-call ids,
    /// estimated usage, retries, ...), one short line each, so a quirky server is visible in the journal.
    /// </summary>
    public ImmutableArray<string> Notes { get; init; } = [];
}

/// <summary>
/// A normalized tool call: an id (generated deterministically when the server gave none), a name and JSON
/// arguments. When the model sent arguments that are not valid JSON, <see cref="Arguments"/> keeps them verbatim
/// and <see cref="ArgumentsError"/> says why, so the tool loop can answer the model with a tool error.
/// </summary>
public sealed record ToolCall(string Id, string Name, string Arguments, string? ArgumentsError = null);

/// <summary>Token usage as reported by the server, or estimated with the tokenizer and marked so.</summary>
public sealed record LlmUsage(int PromptTokens, int CompletionTokens, bool Estimated);
