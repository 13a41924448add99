
namespace Promethean.Core.Events;

/// <summary>A sentinel finished its input (seed 3.3).</summary>
[TypeName("sentinel/done")]
public sealed record SentinelDone(EntityId Sentinel, string Path, string Outcome) : Event;
