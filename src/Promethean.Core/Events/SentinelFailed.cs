
namespace Promethean.Core.Events;

/// <summary>A sentinel gave up; the input is left untouched and the reason kept.</summary>
[TypeName("sentinel/failed")]
public sealed record SentinelFailed(EntityId Sentinel, string Path, string Reason) : Event;
