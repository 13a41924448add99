namespace Promethean.Core.Effects;

/// <summary>Remove a memory's embeddings (all models and kinds); applied in the tick's commit.</summary>
[TypeName("vector/delete")]
public sealed record VectorDelete(string MemoryId) : Effect
{
    public override bool IsStoreEffect => true;
}
