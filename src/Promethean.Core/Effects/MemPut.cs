namespace Promethean.Core.Effects;

/// <summary>Store a memory; applied in the tick's commit transaction.</summary>
[TypeName("mem/put")]
public sealed record MemPut(Memory Memory) : Effect
{
    public override bool IsStoreEffect => true;
}
