using System.Numerics.Tensors;
using CsCheck;
using Promethean.Core.Effects;
using Promethean.Stores.Sqlite;
using Promethean.Stores.Sqlite.Vectors;

namespace Promethean.Core.Tests;

public sealed class VectorIndexTests
{
    /// <summary>Clustered vectors: 40 centres, points spread around them (uniform random vectors make every ANN look broken).</summary>
    internal static float[][] Clustered(int count, int dims, int seed)
    {
        var random = new Random(seed);
        var centres = Enumerable.Range(0, 40).Select(_ => Enumerable.Range(0, dims).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
        return Enumerable.Range(0, count).Select(_ =>
        {
            var c = centres[random.Next(centres.Length)];
            return c.Select(x => x + (float)((random.NextDouble() * 2 - 1) * 0.6)).ToArray();
        }).ToArray();
    }

    [Fact]
    public void Exact_Search_IsIndependentOfInsertOrder()
    {
        var data = Clustered(500, 16, 1);
        using var a = new ExactVectorIndex(16);
        using var b = new ExactVectorIndex(16);
        for (var i = 0; i < data.Length; i++)
            a.Upsert("m" + i, data[i]);
        for (var i = data.Length - 1; i >= 0; i--)
            b.Upsert("m" + i, data[i]);
        a.Search(data[7], 10).ShouldBe(b.Search(data[7], 10));
        a.Search(data[7], 1)[0].Id.ShouldBe("m7");
    }

    /// <summary>What exact search means: every vector normalized and scored in float32, best score first, ties by id.</summary>
    private static List<ScoredId> FloatScan(IReadOnlyDictionary<string, float[]> vectors, float[] query, int k)
    {
        static float[] Unit(float[] v)
        {
            var norm = TensorPrimitives.Norm(v);
            var unit = new float[v.Length];
            if (norm > 0)
                TensorPrimitives.Divide(v, norm, unit);
            else
                v.CopyTo(unit, 0);
            return unit;
        }
        var q = Unit(query);
        return [.. vectors.Select(p => new ScoredId(p.Key, TensorPrimitives.Dot(q, Unit(p.Value))))
            .OrderByDescending(h => h.Score).ThenBy(h => h.Id, StringComparer.Ordinal).Take(k)];
    }

    /// <summary>
    /// The int8 scan only preselects: whatever the data (clusters, exact duplicates, zero vectors, vectors a code step
    /// apart, removals and replacements), results equal a float32 scan's ids, scores and order, with full vectors in
    /// memory or read back through a reader.
    /// </summary>
    [Fact]
    public void Exact_Property_EqualsAFloat32Scan_InBothModes()
    {
        var gen = Gen.Select(Gen.Int[0, 1_000_000], Gen.Int[1, 400], Gen.Int[1, 40], Gen.Int[2, 70]);
        gen.Sample((seed, count, k, dims) =>
        {
            var random = new Random(seed);
            var data = Clustered(count, dims, seed);
            var vectors = new Dictionary<string, float[]>(StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                var v = (random.Next(10)) switch
                {
                    0 => new float[dims],
                    1 when i > 0 => (float[])vectors["m" + random.Next(i)].Clone(),
                    2 when i > 0 => vectors["m" + random.Next(i)].Select(x => x + (float)(random.NextDouble() * 1e-3)).ToArray(),
                    _ => data[i],
                };
                vectors["m" + i] = v;
            }
            using var memory = new ExactVectorIndex(dims);
            using var read = new ExactVectorIndex(dims, ids => ids.Where(vectors.ContainsKey).ToDictionary(id => id, id => vectors[id]));
            foreach (var (id, v) in vectors.OrderBy(_ => random.Next()))
            {
                memory.Upsert(id, v);
                read.Upsert(id, v);
            }
            foreach (var id in vectors.Keys.Where(_ => random.Next(8) == 0).ToList())
            {
                memory.Remove(id).ShouldBeTrue();
                read.Remove(id).ShouldBeTrue();
                vectors.Remove(id);
            }
            var replaced = "m" + random.Next(count);
            if (vectors.ContainsKey(replaced))
            {
                vectors[replaced] = data[random.Next(count)];
                memory.Upsert(replaced, vectors[replaced]);
                read.Upsert(replaced, vectors[replaced]);
            }
            float[][] queries = [data[random.Next(count)], vectors.Count > 0 ? vectors.Values.First() : data[0], Clustered(1, dims, seed + 1)[0], new float[dims]];
            foreach (var q in queries)
            {
                var expected = FloatScan(vectors, q, k);
                memory.Search(q, k).ShouldBe(expected);
                read.Search(q, k).ShouldBe(expected);
            }
        }, iter: 300);
    }

    /// <summary>The point of the codes: on clustered data a query rescores a few dozen vectors, not the collection.</summary>
    [Fact]
    public void Exact_WithReader_ReadsFewVectorsToRescore()
    {
        const int dims = 64;
        var data = Clustered(20_000, dims, 12);
        var read = 0;
        using var index = new ExactVectorIndex(dims, ids =>
        {
            read += ids.Count;
            return ids.ToDictionary(id => id, id => data[int.Parse(id[1..], System.Globalization.CultureInfo.InvariantCulture)]);
        });
        for (var i = 0; i < data.Length; i++)
            index.Upsert("m" + i, data[i]);
        var queries = Clustered(20, dims, 13);
        foreach (var q in queries)
            index.Search(q, 10).Count.ShouldBe(10);
        (read / queries.Length).ShouldBeLessThan(200, $"{read / queries.Length} vectors read per query of {data.Length}");
    }

    [Fact]
    public void Store_VectorSearch_EqualsAFloat32Scan_AndSurvivesReopen()
    {
        const int dims = 48;
        var data = Clustered(2000, dims, 9);
        var path = Path.Combine(Path.GetTempPath(), $"promethean-vectors-{Environment.ProcessId}.db");
        File.Delete(path);
        try
        {
            var vectors = data.Select((v, i) => ("m" + i, v)).ToDictionary(p => p.Item1, p => p.v, StringComparer.Ordinal);
            var queries = Clustered(20, dims, 10);
            using (var store = SqliteStore.Open(path))
            {
                store.ApplyStoreEffects([.. vectors.Select(p => (Effect)new VectorPut(p.Key, "m", "canonical", [.. p.Value]))]);
                foreach (var q in queries)
                    store.VectorSearch("m", "canonical", q, 10).ShouldBe(FloatScan(vectors, q, 10));
                store.ApplyStoreEffects([new VectorPut("m5", "m", "canonical", [.. queries[0]])]);
                vectors["m5"] = queries[0];
                store.VectorSearch("m", "canonical", queries[0], 1).ShouldHaveSingleItem().Id.ShouldBe("m5");
            }
            using (var reopened = SqliteStore.Open(path))
            {
                foreach (var q in queries)
                    reopened.VectorSearch("m", "canonical", q, 12).ShouldBe(FloatScan(vectors, q, 12));
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
                File.Delete(path + suffix);
        }
    }

    [Fact]
    public void Exact_RemoveAndReplace_AreReflected()
    {
        using var index = new ExactVectorIndex(3);
        index.Upsert("a", [1, 0, 0]);
        index.Upsert("b", [0, 1, 0]);
        index.Upsert("c", [0, 0, 1]);
        index.Remove("a").ShouldBeTrue();
        index.Search([1, 0, 0], 3).Select(h => h.Id).ShouldNotContain("a");
        index.Upsert("b", [1, 0, 0]);
        index.Search([1, 0, 0], 1)[0].Id.ShouldBe("b");
        index.Count.ShouldBe(2);
    }

    [Fact]
    public void Exact_EqualScores_TieBreakById()
    {
        using var index = new ExactVectorIndex(2);
        foreach (var id in new[] { "d", "b", "c", "a" })
            index.Upsert(id, [1, 1]);
        index.Search([1, 1], 3).Select(h => h.Id).ShouldBe(["a", "b", "c"]);
    }

    [Fact]
    public void Hnsw_ClusteredData_RecallAgainstExactAbove95Percent_AndSurvivesSaveLoad()
    {
        const int dims = 32;
        var data = Clustered(3000, dims, 2);
        using var exact = new ExactVectorIndex(dims);
        using var hnsw = new HnswVectorIndex(dims);
        for (var i = 0; i < data.Length; i++)
        {
            exact.Upsert("m" + i, data[i]);
            hnsw.Upsert("m" + i, data[i]);
        }
        hnsw.Remove("m0").ShouldBeTrue();
        exact.Remove("m0");
        var queries = Clustered(50, dims, 3);
        double Recall(IVectorIndex index) => queries.Average(q =>
            exact.Search(q, 10).Select(h => h.Id).Intersect(index.Search(q, 10).Select(h => h.Id)).Count() / 10.0);
        Recall(hnsw).ShouldBeGreaterThanOrEqualTo(0.95);

        var path = Path.Combine(Path.GetTempPath(), $"promethean-hnsw-{Environment.ProcessId}.usearch");
        try
        {
            hnsw.Save(path);
            using var loaded = HnswVectorIndex.Load(path, dims);
            loaded.Count.ShouldBe(hnsw.Count);
            loaded.Search(queries[0], 10).ShouldBe(hnsw.Search(queries[0], 10));
            loaded.Upsert("new", queries[1]);
            loaded.Search(queries[1], 1)[0].Id.ShouldBe("new");
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".ids");
        }
    }

    [Fact]
    public void Hnsw_UpsertManyOnTwoThreads_FindsWhatExactFinds_TiesById_AndReplacesById()
    {
        const int dims = 32;
        var data = Clustered(4000, dims, 4);
        using var exact = new ExactVectorIndex(dims);
        using var hnsw = new HnswVectorIndex(dims);
        for (var i = 0; i < data.Length; i++)
            exact.Upsert("m" + i, data[i]);
        hnsw.UpsertMany([.. data.Select((v, i) => ("m" + i, v))], threads: 2);
        hnsw.Count.ShouldBe(data.Length);
        var queries = Clustered(50, dims, 5);
        // A graph built on two threads differs run to run; at the default search width its recall on these tight
        // clusters sat right at the bound (0.944 to 1.0 over CI runs), so the check searches wider.
        hnsw.ExpansionSearch = 128;
        queries.Average(q => exact.Search(q, 10).Select(h => h.Id).Intersect(hnsw.Search(q, 10).Select(h => h.Id)).Count() / 10.0)
            .ShouldBeGreaterThanOrEqualTo(0.95);

        hnsw.UpsertMany([("dup-b", data[0]), ("dup-a", data[0]), ("m1", data[0])], threads: 2);
        hnsw.Count.ShouldBe(data.Length + 2);
        // Asked for 4 among 4 equal vectors, a graph built on two threads now and then returned a near neighbour
        // instead of one of them (1 run in ~30): a wider search still has to put the four ties first, by id.
        var top = hnsw.Search(data[0], 10);
        top.Take(4).Select(h => h.Id).ShouldBe(["dup-a", "dup-b", "m0", "m1"]);
        top.Select(h => h.Score).ShouldBe(top.Select(h => h.Score).OrderByDescending(x => x));
    }
}
