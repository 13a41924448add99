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
    ImmutableArray<RecentEntry> Recent,
    ImmutableArray<string> Persistent,
    string Focus,
    SessionBudgets Budgets,
    SessionStatus Status) : Component
{
    /// <summary>Queue capacity; the oldest entry is dropped (and counted) on overflow.</summary>
    public int QueueCapacity { get; init; } = 256;

    /// <summary>Capacity of the recent ring buffer.</summary>
    public int RecentCapacity { get; init; } = 32;

    /// <summary>Events dropped because the queue was full.</summary>
    public long QueueDropped { get; init; }

    /// <summary>Prompt, tools, model, cadence and where it speaks: what its circuit makes of it.</summary>
    public SessionProfile Profile { get; init; } = SessionProfile.Default;

    /// <summary>The turn in progress, from the grant until the final answer; null between turns.</summary>
    public SessionTurn? Turn { get; init; }

    /// <summary>When the last turn ended; the next one waits for <see cref="SessionProfile.CadenceMs"/> after it.</summary>
    public long LastTurnMs { get; init; }

    /// <summary>What the session said and did that memory.ingest has not stored yet (seed 7.3: messages become memories).</summary>
    public ImmutableArray<TranscriptEntry> Unfiled { get; init; } = [];

    /// <summary>When the scheduler last asked to be woken for this session's cadence, so it asks once per due time.</summary>
    public long WakeAtMs { get; init; }

    /// <summary>Counter values at the last report, for reports of what happened since (the janitor).</summary>
    public ImmutableSortedDictionary<string, long> Baseline { get; init; } = ImmutableSortedDictionary<string, long>.Empty;
}

/// <summary>Hard subscriptions are always delivered: locked channel ids and event types.</summary>
public sealed record SessionSubscriptions(
    ImmutableSortedSet<string> EventTypes,
    ImmutableSortedSet<string> Channels)
{
    public static readonly SessionSubscriptions None = new([], []);

    /// <summary>
    /// Soft subscriptions: weights of tags (<c>rust</c>) or nexus keys (<c>tag:rust</c>, <c>author:123</c>) as the
    /// tagger derives them from a message; a message whose matched weights add up to <see cref="SoftThreshold"/> is delivered.
    /// </summary>
    public ImmutableSortedDictionary<string, double> Soft { get; init; } = ImmutableSortedDictionary<string, double>.Empty;

    public double SoftThreshold { get; init; } = 1.0;
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
