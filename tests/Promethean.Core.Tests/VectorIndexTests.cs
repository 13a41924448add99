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
        var top = hnsw.Search(data[0], 4);
        top.Take(4).Select(h => h.Id).ShouldBe(["dup-a", "dup-b", "m0", "m1"]);
        top.Select(h => h.Score).ShouldBe(top.Select(h => h.Score).OrderByDescending(x => x));
    }
}
