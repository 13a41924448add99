using System.Collections.Immutable;

namespace Promethean.Core.Events;

/// <summary>A memory was accepted by ingest after normalization and tagging (seed 3.2).</summary>
[TypeName("memory/created")]
public sealed record MemoryCreated(string MemoryId, string Kind, ImmutableSortedSet<string> Tags, ImmutableSortedSet<string> NexusKeys) : Event;
