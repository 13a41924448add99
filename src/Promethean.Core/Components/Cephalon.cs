using System.Collections.Immutable;

namespace Promethean.Core.Components;

/// <summary>An always-on agent (seed 2.1): its name, policy, shared state and the sessions it is split into.</summary>
public sealed record Cephalon(
    string Name,
    CephalonPolicy Policy,
    ImmutableSortedDictionary<string, string> SharedState,
    ImmutableSortedSet<EntityId> Sessions) : Component;

/// <summary>Budgets, model preferences and caps that apply to every session of a cephalon.</summary>
public sealed record CephalonPolicy(
    string Model,
    int ContextWindowTokens = 8192,
    int MaxOutputTokens = 1024,
    int MaxLlmCallsInFlight = 4);
