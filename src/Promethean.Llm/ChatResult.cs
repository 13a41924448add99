using System.Collections.Immutable;
using Promethean.Core.Events;

namespace Promethean.Llm;

/// <summary>
/// A normalized chat answer from any provider: think-stripped text, normalized tool calls, a known finish
/// reason, usage as the server reported it (null where it did not), and notes on the quirks met on the way.
/// </summary>
public sealed record ChatResult(
    string Text,
    string? Reasoning,
    ImmutableArray<ToolCall> ToolCalls,
    string FinishReason,
    int? PromptTokens,
    int? CompletionTokens,
    string Model,
    ImmutableArray<string> Notes);

/// <summary>Vectors in input order, the model that made them and notes on the quirks met on the way.</summary>
public sealed record EmbeddingResult(ImmutableArray<ImmutableArray<float>> Vectors, string Model, ImmutableArray<string> Notes);
