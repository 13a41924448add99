using System.Collections.Immutable;

namespace Promethean.Core.Components;

/// <summary>A graph walker (seed 2.6) expanding retrieval seeds through nexus keys within a budget.</summary>
public sealed record DaimoiWalker(
    int Budget,
    string State,
    ImmutableArray<string> Seeds,
    ImmutableArray<string> Candidates) : Component;
