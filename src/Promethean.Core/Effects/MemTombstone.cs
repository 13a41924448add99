namespace Promethean.Core.Effects;

/// <summary>
/// Retire a memory that a summary replaced: its lifecycle becomes <c>tombstoned</c> and its source metadata
/// names the summary; it leaves keyword search and the nexus posting lists (degrees follow) but stays in the
/// store for provenance. Applied in the tick's commit.
/// </summary>
[TypeName("mem/tombstone")]
public sealed record MemTombstone(string MemoryId, string SummaryId) : Effect
{
    public override bool IsStoreEffect => true;
}
