
namespace Promethean.Core.Events;

/// <summary>A session asked for a tool call (seed 3.2).</summary>
[TypeName("tool/called")]
public sealed record ToolCalled(EntityId Session, string CallId, string Name, string Arguments) : Event;
