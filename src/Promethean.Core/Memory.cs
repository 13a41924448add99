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
    long CreatedMs)
{
    /// <summary>Lifecycle of a memory retrieval and compaction work with.</summary>
    public const string Active = "active";

    /// <summary>Lifecycle of a memory kept out of compaction by its owner.</summary>
    public const string Pinned = "pinned";

    /// <summary>Lifecycle of a memory a summary replaced: kept for provenance, never retrieved.</summary>
    public const string Tombstoned = "tombstoned";
}

/// <summary>The part of a memory that ranking and the daimoi walk read: kind, lifecycle, age and nexus keys.</summary>
public sealed record MemoryHead(string Id, string Kind, string Lifecycle, long CreatedMs, ImmutableSortedSet<string> NexusKeys)
{
    public static MemoryHead Of(Memory memory) => new(memory.Id, memory.Kind, memory.Lifecycle, memory.CreatedMs, memory.NexusKeys);
}
