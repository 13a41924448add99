using System.Collections.Immutable;

namespace Promethean.Core.Events;

/// <summary>A memory was accepted by ingest after normalization and tagging (seed 3.2).</summary>
[TypeName("memory/created")]
public sealed record MemoryCreated(string MemoryId, string Kind, ImmutableSortedSet<string> Tags, ImmutableSortedSet<string> NexusKeys) : Event
{
    /// <summary>When the memory's source said it happened (message timestamp, file read time).</summary>
    public long CreatedMs { get; init; }

    /// <summary>SHA-256 (hex) of the memory's normalized text: the content part of embedding dedupe keys.</summary>
    public string ContentHash { get; init; } = "";
}
