namespace Promethean.Core.Events;

/// <summary>Compaction on demand: compaction.step plans at once (and commits the groups it finds).</summary>
[TypeName("gc/requested")]
public sealed record GcRequested(string By) : Event;
