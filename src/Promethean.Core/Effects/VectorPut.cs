using System.Collections.Immutable;

namespace Promethean.Core.Effects;

/// <summary>Store (or replace) a memory's embedding of one model and kind; applied in the tick's commit.</summary>
[TypeName("vector/put")]
public sealed record VectorPut(string MemoryId, string Model, string Kind, ImmutableArray<float> Vector) : Effect
{
    public override bool IsStoreEffect => true;
}
