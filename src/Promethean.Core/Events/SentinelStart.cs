
namespace Promethean.Core.Events;

/// <summary>A sentinel began work on its input (seed 3.3).</summary>
[TypeName("sentinel/start")]
public sealed record SentinelStart(EntityId Sentinel, string Name, string Path) : Event;
