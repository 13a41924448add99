using System.Collections.Immutable;

namespace Promethean.Core.Retrieval;

/// <summary>What the cephalon step asks for: query text, its embedding when it has one, its own nexus keys.</summary>
public sealed record RetrievalQuery(string Text, ImmutableArray<float> Vector, ImmutableArray<string> Keys, long NowMs, int K = 10)
{
    /// <summary>Embedding model and kind whose vectors are searched.</summary>
    public string Model { get; init; } = "all-MiniLM-L6-v2";

    public string Kind { get; init; } = "canonical";

    /// <summary>Memory kinds left out of the results (e.g. the agent's own tool chatter when it answers people).</summary>
    public ImmutableSortedSet<string> ExcludeKinds { get; init; } = ImmutableSortedSet<string>.Empty;
}

/// <summary>Weights of the hybrid score; each signal is scaled to [0, 1] before weighting.</summary>
public sealed record RetrievalWeights(double Vector = 0.55, double Walk = 0.25, double Keyword = 0.15, double Recency = 0.05)
{
    public static readonly RetrievalWeights Default = new();

    public static readonly RetrievalWeights VectorOnly = new(1, 0, 0, 0);

    /// <summary>Half-life of the recency signal.</summary>
    public long RecencyHalfLifeMs { get; init; } = 7L * 24 * 3_600_000;

    /// <summary>How many vector and keyword hits enter the candidate pool.</summary>
    public int PoolSize { get; init; } = 50;

    /// <summary>How many top vector hits seed the daimoi walk.</summary>
    public int WalkSeeds { get; init; } = 5;
}

/// <summary>One retrieved memory with its hybrid score and the parts it is made of.</summary>
public sealed record RetrievalHit(string MemoryId, double Score, double Vector, double Walk, double Keyword, double Recency, string Via);

/// <summary>
/// The retrieval API of the cephalon step (DESIGN 4, 5): a candidate pool from exact vector search,
/// FTS5 keywords and a daimoi walk seeded by the top vector hits and the query's keys, ranked by a
/// hybrid score with its breakdown. Pure over <see cref="IStoreReader"/>: same stores, same answer.
/// </summary>
public static class MemoryRetrieval
{
    public static IReadOnlyList<RetrievalHit> Search(IStoreReader stores, RetrievalQuery query, RetrievalWeights? weights = null, DaimoiLimits? limits = null) =>
        [.. Retrieve(stores, query, weights, limits).Select(r => r.Hit)];

    /// <summary>The hits with their memories, for callers that render them.</summary>
    public static IReadOnlyList<RetrievedMemory> Retrieve(IStoreReader stores, RetrievalQuery query, RetrievalWeights? weights = null, DaimoiLimits? limits = null)
    {
        var w = weights ?? RetrievalWeights.Default;
        var memories = new MemoryReads(stores);
        var vector = query.Vector.IsDefaultOrEmpty ? [] : stores.VectorSearch(query.Model, query.Kind, query.Vector.AsSpan(), w.PoolSize);
        var keyword = w.Keyword > 0 ? stores.KeywordSearch(query.Text, w.PoolSize) : [];
        var walk = w.Walk > 0
            ? DaimoiWalk.Run(stores, memories, [.. vector.Take(w.WalkSeeds)], query.Keys, limits ?? DaimoiLimits.Default)
            : [];

        var vec = vector.ToDictionary(h => h.Id, h => Math.Max(0, h.Score), StringComparer.Ordinal);
        var maxKw = keyword.Count > 0 ? keyword.Max(h => h.Score) : 0;
        var kw = keyword.ToDictionary(h => h.Id, h => maxKw > 0 ? h.Score / maxKw : 0, StringComparer.Ordinal);
        var maxWalk = walk.Count > 0 ? walk.Max(h => h.Mass) : 0;
        var wk = walk.ToDictionary(h => h.MemoryId, h => (Mass: maxWalk > 0 ? h.Mass / maxWalk : 0, h.Via), StringComparer.Ordinal);

        var pool = vec.Keys.Concat(kw.Keys).Concat(wk.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        memories.Load(pool);
        var ranked = new List<RetrievalHit>();
        foreach (var id in pool)
        {
            var head = memories.Head(id);
            if (head is null || head.Lifecycle == Memory.Tombstoned || query.ExcludeKinds.Contains(head.Kind))
                continue;
            var v = vec.GetValueOrDefault(id);
            var k = kw.GetValueOrDefault(id);
            var (m, via) = wk.TryGetValue(id, out var x) ? x : (0, "");
            var age = Math.Max(0, query.NowMs - head.CreatedMs);
            var r = Math.Pow(0.5, (double)age / w.RecencyHalfLifeMs);
            var score = w.Vector * v + w.Walk * m + w.Keyword * k + w.Recency * r;
            ranked.Add(new RetrievalHit(id, score, v, m, k, r, via));
        }
        var top = ranked.OrderByDescending(h => h.Score).ThenBy(h => h.MemoryId, StringComparer.Ordinal).Take(query.K).ToList();
        // Only the hits returned are read in full (the ranking read heads); all are in the store, as the heads just were.
        var full = memories.Full([.. top.Select(h => h.MemoryId)]);
        return [.. top.Where(h => full.ContainsKey(h.MemoryId)).Select(h => new RetrievedMemory(h, full[h.MemoryId]))];
    }
}
