using System.Collections.Immutable;

namespace Promethean.Core.Components;

/// <summary>A light ECS mirror of a stored memory (seed 2.4); the full memory lives in the memory store.</summary>
public sealed record MemoryMirror(
    string Id,
    string Kind,
    ImmutableSortedSet<string> Tags,
    ImmutableSortedSet<string> NexusKeys,
    MemoryLifecycle Lifecycle) : Component;

public enum MemoryLifecycle
{
    Active,
    Pinned,
    Summarized,
    Tombstoned,
}
