namespace Promethean.Inspector;

/// <summary>
/// Memory search as the inspector sees it; <see cref="RetrievalMemorySearch"/> by default. Another
/// ranking (with a query embedding, say) plugs in here, its score parts in <see cref="MemoryHit.Breakdown"/>.
/// </summary>
public interface IMemorySearch
{
    /// <summary>Names the scoring, shown beside the results.</summary>
    string Engine { get; }

    IReadOnlyList<MemoryHit> Search(string query, int limit);
}
