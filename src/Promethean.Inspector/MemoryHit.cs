using System.Collections.Immutable;

namespace Promethean.Inspector;

/// <summary>A memory found by a search, its total score and the parts the score is made of.</summary>
public sealed record MemoryHit(
    string Id,
    string Kind,
    string Text,
    long CreatedMs,
    ImmutableSortedSet<string> Tags,
    double Score,
    ImmutableSortedDictionary<string, double> Breakdown);
