using System.Collections.Immutable;
using Promethean.Core.Retrieval;
using Promethean.Stores.Sqlite;

namespace Promethean.Inspector;

/// <summary>
/// Memory search through the cephalon's own retrieval (<see cref="MemoryRetrieval.Search"/>) over a
/// read-only connection. The inspector cannot embed the query (that is an effect), so the vector
/// part is 0 and the daimoi walk has no vector seeds; keyword (FTS5) and recency rank the hits. The
/// breakdown shows each part already weighted, so the parts add up to the score.
/// </summary>
public sealed class RetrievalMemorySearch(string databasePath, Func<long> nowMs) : IMemorySearch
{
    private static readonly RetrievalWeights Weights = RetrievalWeights.Default;

    public string Engine => "MemoryRetrieval (no query embedding: vector 0)";

    public IReadOnlyList<MemoryHit> Search(string query, int limit)
    {
        using var reader = SqliteStore.OpenReadOnly(databasePath);
        var hits = MemoryRetrieval.Search(reader, new RetrievalQuery(query, [], [], nowMs(), limit), Weights);
        var list = new List<MemoryHit>();
        foreach (var hit in hits)
        {
            var memory = reader.GetMemory(hit.MemoryId);
            if (memory is null)
                continue;
            var breakdown = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, double>
            {
                ["vector"] = Math.Round(Weights.Vector * hit.Vector, 4),
                ["walk"] = Math.Round(Weights.Walk * hit.Walk, 4),
                ["keyword"] = Math.Round(Weights.Keyword * hit.Keyword, 4),
                ["recency"] = Math.Round(Weights.Recency * hit.Recency, 4),
            });
            list.Add(new MemoryHit(memory.Id, memory.Kind, memory.Text, memory.CreatedMs, memory.Tags, Math.Round(hit.Score, 4), breakdown));
        }
        return list;
    }
}
