using System.Collections.Immutable;

namespace Promethean.Core.Events;

/// <summary>The nexus index now links a memory by its keys (seed 3.2).</summary>
[TypeName("eidolon/indexed")]
public sealed record EidolonIndexed(string MemoryId, ImmutableSortedSet<string> NexusKeys) : Event;
