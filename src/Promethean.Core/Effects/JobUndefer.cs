namespace Promethean.Core.Effects;

/// <summary>Take a parked embedding job out of the store; it is back in the world's pending queue.</summary>
[TypeName("job/undefer")]
public sealed record JobUndefer(string DedupeKey) : Effect
{
    public override bool IsStoreEffect => true;
}
