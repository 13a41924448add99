using System.Collections.Immutable;

namespace Promethean.Core.Effects;

/// <summary>Add a memory to the posting lists of its nexus keys (degrees follow); applied in the tick's commit.</summary>
[TypeName("nexus/link")]
public sealed record NexusLink(string MemoryId, ImmutableSortedSet<string> Keys, long CreatedMs) : Effect
{
    public override bool IsStoreEffect => true;
}
