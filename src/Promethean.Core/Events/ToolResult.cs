
namespace Promethean.Core.Events;

/// <summary>A tool call finished; errors are results too, never exceptions (seed 3.2).</summary>
[TypeName("tool/result")]
public sealed record ToolResult(EntityId Session, string CallId, string Name, string Content, bool IsError) : Event;
