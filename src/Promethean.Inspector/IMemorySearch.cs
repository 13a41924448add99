namespace Promethean.Inspector;

/// <summary>
/// Memory search as the inspector sees it. <see cref="KeywordMemorySearch"/> stands in until
/// retrieval (Promethean.Core.Retrieval.MemoryRetrieval.Search) lands; an adapter over it plugs in
/// here, mapping its score components into <see cref="MemoryHit.Breakdown"/>.
/// </summary>
public interface IMemorySearch
{
    /// <summary>Names the scoring, shown beside the results.</summary>
    string Engine { get; }

    IReadOnlyList<MemoryHit> Search(string query, int limit);
}
