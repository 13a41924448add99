using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Promethean.Core.Retrieval;

/// <summary>Caps and weights of a daimoi walk (DESIGN 4).</summary>
public sealed record DaimoiLimits
{
    public static readonly DaimoiLimits Default = new();

    public int Hops { get; init; } = 2;
    public int KeysPerNode { get; init; } = 6;
    public int NeighboursPerKey { get; init; } = 25;
    public int MaxCandidates { get; init; } = 400;

    /// <summary>Mass kept per hop.</summary>
    public double Decay { get; init; } = 0.5;

    /// <summary>Key-type weights: errors link hardest, channels loosest.</summary>
    public ImmutableSortedDictionary<string, double> KeyTypeWeights { get; init; } = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
    [
        new KeyValuePair<string, double>("err", 3.0),
        new("tool", 2.5),
        new("path", 2.0),
        new("lang", 1.6),
        new("tag", 1.5),
        new("url", 1.4),
        new("dir", 1.2),
        new("session", 1.0),
        new("author", 0.8),
        new("chan", 0.5),
    ]);
}

/// <summary>A memory reached by a walk, with the mass that reached it and the key that carried most of it.</summary>
public sealed record WalkHit(string MemoryId, double Mass, string Via);

/// <summary>
/// Daimoi walkers (DESIGN 4): spread mass from seed memories (top vector hits) and the query's own
/// keys through the nexus graph for a fixed number of hops. A node passes mass along at most
/// <c>KeysPerNode</c> of its keys, chosen by type weight times degree weight
/// <c>1/sqrt(1+ln(1+degree))</c>; each key reaches at most <c>NeighboursPerKey</c> memories (newest
/// first). Everything is sorted before use, so the same stores give the same walk.
/// </summary>
public static class DaimoiWalk
{
    public static double DegreeWeight(long degree) => 1.0 / Math.Sqrt(1.0 + Math.Log(1.0 + degree));

    public static double TypeWeight(string key, DaimoiLimits limits)
    {
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && limits.KeyTypeWeights.TryGetValue(key[..colon], out var w) ? w : 1.0;
    }

    public static IReadOnlyList<WalkHit> Run(IStoreReader stores, MemoryReads memories, IReadOnlyList<ScoredId> seeds, IEnumerable<string> queryKeys, DaimoiLimits limits)
    {
        // Hash maps, not sorted ones: every read of them sorts (mass desc, id asc) first, and sums accumulate in the
        // order the sorted nodes and keys spread, so no result depends on a map's order; sorted maps cost ~5 string
        // compares per neighbour per hop, most of the walk. A reached memory's mass and best key share one entry.
        var reached = new Dictionary<string, Reached>(StringComparer.Ordinal);
        var degrees = new Dictionary<string, long>(StringComparer.Ordinal);
        var postings = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var seedIds = new HashSet<string>(seeds.Select(s => s.Id), StringComparer.Ordinal);

        // Frontier: memory -> mass to pass on. Query keys act as a virtual node at hop 0.
        var frontier = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var s in seeds)
            frontier[s.Id] = Math.Max(frontier.GetValueOrDefault(s.Id), Math.Max(0, s.Score));
        var startKeys = queryKeys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        LoadDegrees(startKeys);
        var start = RankKeys(startKeys);
        LoadPostings(start.Select(k => k.Key));
        Spread(1.0, start, 0);

        for (var hop = 0; hop < limits.Hops && frontier.Count > 0; hop++)
        {
            var current = frontier.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(limits.MaxCandidates).ToList();
            frontier = new Dictionary<string, double>(StringComparer.Ordinal);
            memories.Load(current.Select(p => p.Key));
            var ranked = current.Select(p => (p.Key, p.Value, Keys: memories.Head(p.Key)?.NexusKeys ?? [])).ToList();
            LoadDegrees(ranked.SelectMany(n => n.Keys));
            var spreads = ranked.Select(n => (Mass: n.Value, Keys: RankKeys(n.Keys))).ToList();
            LoadPostings(spreads.SelectMany(s => s.Keys.Select(k => k.Key)));
            foreach (var (m, keys) in spreads)
                Spread(m * Math.Pow(limits.Decay, hop), keys, hop + 1);
        }

        return reached.Where(p => !seedIds.Contains(p.Key) || p.Value.Mass > 0)
            .OrderByDescending(p => p.Value.Mass).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Take(limits.MaxCandidates)
            .Select(p => new WalkHit(p.Key, p.Value.Mass, p.Value.Via ?? ""))
            .ToList();

        void Spread(double m, IReadOnlyList<(string Key, double Weight)> keys, int hop)
        {
            if (m <= 0)
                return;
            foreach (var (key, weight) in keys)
            {
                var neighbours = postings[key];
                if (neighbours.Count == 0)
                    continue;
                var share = m * weight / neighbours.Count;
                foreach (var n in neighbours)
                {
                    ref var node = ref reached.Count >= limits.MaxCandidates
                        ? ref CollectionsMarshal.GetValueRefOrNullRef(reached, n)
                        : ref CollectionsMarshal.GetValueRefOrAddDefault(reached, n, out _);
                    if (Unsafe.IsNullRef(ref node))
                        continue;
                    node.Mass += share;
                    if (node.Via is null || share > node.ViaShare)
                        (node.Via, node.ViaShare) = (key, share);
                    if (hop < limits.Hops)
                        CollectionsMarshal.GetValueRefOrAddDefault(frontier, n, out _) += share;
                }
            }
        }

        IReadOnlyList<(string Key, double Weight)> RankKeys(IEnumerable<string> keys) =>
            keys.Select(k => (Key: k, Weight: TypeWeight(k, limits) * DegreeWeight(degrees[k])))
                .OrderByDescending(k => k.Weight).ThenBy(k => k.Key, StringComparer.Ordinal)
                .Take(limits.KeysPerNode)
                .ToList();

        // A hop's degrees and postings are read in one batch each; nodes share their channel and author keys,
        // so the same keys come up again and again and each is read once.
        void LoadDegrees(IEnumerable<string> keys)
        {
            var missing = keys.Where(k => !degrees.ContainsKey(k)).Distinct(StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
            {
                foreach (var (key, degree) in stores.KeyDegrees(missing))
                    degrees[key] = degree;
            }
        }

        void LoadPostings(IEnumerable<string> keys)
        {
            var missing = keys.Where(k => !postings.ContainsKey(k)).Distinct(StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
            {
                foreach (var (key, list) in stores.PostingsOf(missing, limits.NeighboursPerKey))
                    postings[key] = list;
            }
        }

    }

    /// <summary>Mass that reached a memory, and the key that brought the largest single share of it.</summary>
    private struct Reached
    {
        public double Mass;
        public string? Via;
        public double ViaShare;
    }
}
