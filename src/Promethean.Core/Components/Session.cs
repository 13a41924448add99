using System.Collections.Immutable;
using Promethean.Core.Events;

namespace Promethean.Core.Components;

/// <summary>A facet of a cephalon (seed 2.2) with its own circuit, subscriptions, queue and budgets.</summary>
public sealed record Session(
    string Name,
    EntityId Cephalon,
    string Circuit,
    SessionSubscriptions Subscriptions,
    ImmutableArray<Event> Queue,
    ImmutableArray<string> Recent,
    ImmutableArray<string> Persistent,
    string Focus,
    SessionBudgets Budgets,
    SessionStatus Status)
{
    /// <summary>Queue capacity; the oldest entry is dropped (and counted) on overflow.</summary>
    public int QueueCapacity { get; init; } = 256;

    /// <summary>Capacity of the recent ring buffer.</summary>
    public int RecentCapacity { get; init; } = 32;

    /// <summary>Events dropped because the queue was full.</summary>
    public long QueueDropped { get; init; }
}

/// <summary>Hard subscriptions are always delivered: locked channel ids and event types.</summary>
public sealed record SessionSubscriptions(
    ImmutableSortedSet<string> EventTypes,
    ImmutableSortedSet<string> Channels)
{
    public static readonly SessionSubscriptions None = new([], []);
}

/// <summary>Per-session limits checked before any LLM or tool call is emitted.</summary>
public sealed record SessionBudgets(
    int LlmCallsPerMinute = 6,
    int TokensPerMinute = 20000,
    int TokensPerDay = 500000,
    int ToolCallsPerTurn = 4);

public enum SessionStatus
{
    Idle,
    Ready,
    Blocked,
}
