using System.Collections.Immutable;

namespace Promethean.Core;

/// <summary>
/// A full memory as kept in the memory store: content-derived id, normalized and original text,
/// source metadata, deterministic tags and nexus keys.
/// </summary>
public sealed record Memory(
    string Id,
    string Kind,
    string Text,
    string Original,
    string SourceKey,
    ImmutableSortedDictionary<string, string> Source,
    ImmutableSortedSet<string> Tags,
    ImmutableSortedSet<string> NexusKeys,
    string Lifecycle,
    long CreatedMs);
