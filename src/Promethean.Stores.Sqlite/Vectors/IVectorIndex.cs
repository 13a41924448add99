using Promethean.Core;

namespace Promethean.Stores.Sqlite.Vectors;

/// <summary>
/// A cosine top-k index over string-keyed vectors with incremental inserts and deletes. Results are
/// ordered by score (cosine similarity, higher first), ties by id.
/// </summary>
public interface IVectorIndex : IDisposable
{
    int Dimensions { get; }

    int Count { get; }

    /// <summary>Inserts or replaces a vector; it is normalized to unit length first.</summary>
    void Upsert(string id, ReadOnlySpan<float> vector);

    bool Remove(string id);

    IReadOnlyList<ScoredId> Search(ReadOnlySpan<float> query, int k);
}
