namespace Promethean.Core.Effects;

/// <summary>Park an embedding job in the store because the pending queue is full (backpressure, nothing dropped).</summary>
[TypeName("job/defer")]
public sealed record JobDefer(string DedupeKey, string JobType, int Priority, string Payload, string Model) : Effect
{
    public override bool IsStoreEffect => true;
}
