using System.Collections.Immutable;
using Promethean.Core.Effects;

namespace Promethean.Core.Components;

/// <summary>
/// A turn in progress (seed 7.1): the query, the conversation sent so far (assembled context, then the
/// model's tool calls and their results), the effect it waits for and how many rounds and tool calls it used.
/// </summary>
public sealed record SessionTurn(
    TurnPhase Phase,
    string WaitingFor,
    string Query,
    string ReplyChannel,
    ImmutableArray<ChatMessage> Messages,
    int Round,
    int ToolCalls,
    long StartedMs)
{
    /// <summary>Tool calls of the last answer whose results are still awaited (file reads), by call id.</summary>
    public ImmutableSortedDictionary<string, PendingTool> Pending { get; init; } = ImmutableSortedDictionary<string, PendingTool>.Empty;

    /// <summary>Section token counts of the assembled context, kept in the meta of every round's call.</summary>
    public ImmutableSortedDictionary<string, string> ContextMeta { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
}

/// <summary>Where a turn is: waiting for its query embedding, for the model, for tool results, or for a grant to call again.</summary>
public enum TurnPhase
{
    Retrieving,
    Thinking,
    Tooling,
    Continuing,
}

/// <summary>A tool call waiting for an effect's outcome; <see cref="Result"/> is set once it arrived.</summary>
public sealed record PendingTool(string Name, string EffectId, string? Result, bool IsError);
