using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core;
using Promethean.Core.Components;
using Promethean.Core.Events;
using Promethean.Core.Tests;
using Promethean.Runtime;
using Promethean.Stores.Sqlite;
using Promethean.Stores.Sqlite.Vectors;

namespace Promethean.Bench;

/// <summary>
/// Memory pipeline benchmarks (issue #5): ingest throughput through the real tick loop, exact and
/// HNSW (USearch) search over 100k x 384-d vectors, HNSW recall, hnswlib-node on the same data in the
/// same run, and the resident memory of a process holding 100k memories with their vectors.
/// Vectors and memories: <see cref="SyntheticMemories"/>, 2,000 MiniLM centres with 50 points around each;
/// queries are fresh points around random centres.
/// </summary>
public sealed class MemoryScenario : IScenario
{
    private const int Dims = SyntheticMemories.Dims;
    private const int Points = 100_000;
    private const int Centres = 2_000;
    private const int Queries = 200;
    private const int K = 10;

    public string Name => "memory";

    public IReadOnlyList<Metric> Run()
    {
        var metrics = new List<Metric>();
        metrics.AddRange(Ingest());

        Console.WriteLine("   embedding centres with MiniLM ...");
        var corpus = SyntheticMemories.Create(Points, Centres);
        var queries = Enumerable.Range(0, Queries).Select(_ => corpus.Around(corpus.RandomCentre())).ToArray();
        metrics.AddRange(Search(corpus.Data, queries));
        metrics.Add(Rss(corpus));
        return metrics;
    }

    private static IEnumerable<Metric> Ingest()
    {
        const int days = 12;
        var dir = Directory.CreateTempSubdirectory("promethean-bench-ingest");
        try
        {
            var batches = new List<(long Time, ImmutableArray<Event> Events)>();
            long messages = 0;
            for (var d = 0; d < days; d++)
            {
                var day = SyntheticDiscordDay.Generate(seed: 1000 + d);
                var shifted = day.Select(m => (Event)(m.Message with
                {
                    MessageId = $"{d}-{m.Message.MessageId}",
                    TimestampMs = m.Message.TimestampMs + d * 86_400_000L,
                })).ToList();
                foreach (var chunk in shifted.Chunk(1000))
                {
                    batches.Add((((DiscordMessageNew)chunk[^1]).TimestampMs, [.. chunk]));
                    messages += chunk.Length;
                }
            }
            using var store = SqliteStore.Open(Path.Combine(dir.FullName, "promethean.db"));
            var options = new EngineOptions { RecordSystemTimes = false, StatusEverySeconds = 0, SnapshotEveryTicks = 0 };
            var engine = new Engine(store, Schedule.Systems, new EffectDispatcher([], 1, TimeSpan.FromSeconds(1), NullLogger.Instance), options, TimeProvider.System, NullLogger.Instance);
            var genesis = World.Empty.Spawn(out var settings);
            engine.Open(genesis with { MemorySettings = genesis.MemorySettings.Add(settings, new MemorySettings { EmbedEndpoint = "" }) });
            var sw = Stopwatch.StartNew();
            foreach (var (time, events) in batches)
                engine.Step(events, time);
            var seconds = sw.Elapsed.TotalSeconds;
            var counters = Core.Systems.DebugStatsSystem.CountersOf(engine.World);
            var rate = messages / seconds;
            yield return new Metric("ingest_msgs_per_s", rate, "msg/s", ">= 20000",
                $"{messages} synthetic Discord messages in {batches.Count} ticks of 1000 through the full schedule, world hash and SQLite commit (WAL file); " +
                $"{counters["ingest.accepted"]} accepted, {counters["ingest.rejected.content-hash"] + counters["ingest.rejected.near-duplicate"] + counters["ingest.rejected.source-id"]} duplicates, {counters["ingest.rejected.spam-family"]} folded; embeddings off");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }

    private static IEnumerable<Metric> Search(float[][] data, float[][] queries)
    {
        using var exact = new ExactVectorIndex(Dims);
        for (var i = 0; i < data.Length; i++)
            exact.Upsert(Id(i), data[i]);
        var truth = new List<HashSet<string>>();
        var exactMs = new List<double>();
        foreach (var q in queries.Take(10))
            exact.Search(q, K);
        foreach (var q in queries)
        {
            var sw = Stopwatch.StartNew();
            var hits = exact.Search(q, K);
            exactMs.Add(sw.Elapsed.TotalMilliseconds);
            truth.Add([.. hits.Select(h => h.Id)]);
        }
        var exactP50 = Results.Quantile(exactMs, 0.5);
        yield return new Metric("exact_search_p50_ms_100k", exactP50, "ms", "<= 20",
            $"exact cosine top-{K}, {Points} x {Dims}-d, TensorPrimitives.Dot, one query at a time; p95 {Results.Quantile(exactMs, 0.95):0.00} ms");

        using var hnsw = new HnswVectorIndex(Dims, connectivity: 16, expansionAdd: 128, expansionSearch: 64);
        var build = Stopwatch.StartNew();
        for (var i = 0; i < data.Length; i++)
            hnsw.Upsert(Id(i), data[i]);
        var buildSeconds = build.Elapsed.TotalSeconds;
        foreach (var q in queries.Take(10))
            hnsw.Search(q, K);
        var hnswMs = new List<double>();
        double recall = 0;
        var total = Stopwatch.StartNew();
        for (var j = 0; j < queries.Length; j++)
        {
            var sw = Stopwatch.StartNew();
            var hits = hnsw.Search(queries[j], K);
            hnswMs.Add(sw.Elapsed.TotalMilliseconds);
            recall += hits.Count(h => truth[j].Contains(h.Id)) / (double)K;
        }
        var ourQps = queries.Length / total.Elapsed.TotalSeconds;
        recall /= queries.Length;
        var hnswP50 = Results.Quantile(hnswMs, 0.5);
        yield return new Metric("hnsw_recall10_100k", recall, "ratio", ">= 0.95",
            $"USearch 2.26.6 HNSW, M=16, ef_construction=128, ef_search=64; built in {buildSeconds:0.0} s (single thread)");
        yield return new Metric("hnsw_speedup_vs_exact_100k", exactP50 / hnswP50, "x", ">= 10",
            $"p50 exact {exactP50:0.000} ms / p50 HNSW {hnswP50:0.000} ms; HNSW {ourQps:0} queries/s");

        if (HnswlibNode(data, queries, truth, recall) is { } baseline)
        {
            yield return new Metric("hnsw_vs_hnswlib_node_qps_ratio", ourQps / baseline.Qps, "x", ">= 1",
                $"ours {ourQps:0} q/s at recall {recall:0.000}; hnswlib-node 3.0.0 {baseline.Qps:0} q/s at ef={baseline.Ef}, recall {baseline.Recall:0.000} " +
                $"(smallest ef whose recall >= ours); same M, ef_construction, data and queries; build {baseline.BuildSeconds:0.0} s");
        }
    }

    private sealed record Baseline(double Qps, int Ef, double Recall, double BuildSeconds);

    /// <summary>Runs hnswlib-node on the same vectors; null (with a note on the console) when node is unavailable.</summary>
    private static Baseline? HnswlibNode(float[][] data, float[][] queries, List<HashSet<string>> truth, double ourRecall)
    {
        var folder = Path.Combine(RepoRoot(), "bench", "Promethean.Bench", "hnswlib");
        try
        {
            if (!Directory.Exists(Path.Combine(folder, "node_modules", "hnswlib-node")) && Exec("npm", "install --no-audit --no-fund", folder) is null)
                return null;
            var tmp = Directory.CreateTempSubdirectory("promethean-hnswlib");
            try
            {
                Write(Path.Combine(tmp.FullName, "data.bin"), data);
                Write(Path.Combine(tmp.FullName, "queries.bin"), queries);
                var output = Exec("node", $"bench.js {tmp.FullName}/data.bin {tmp.FullName}/queries.bin {Dims} 16 128 {K} 16,32,64,96,128,200,300", folder);
                if (output is null)
                    return null;
                Baseline? best = null;
                foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    var node = JsonNode.Parse(line)!;
                    var ids = node["ids"]!.AsArray();
                    var recall = 0.0;
                    for (var j = 0; j < ids.Count; j++)
                        recall += ids[j]!.AsArray().Count(x => truth[j].Contains(Id(x!.GetValue<int>()))) / (double)K;
                    recall /= ids.Count;
                    var b = new Baseline(node["qps"]!.GetValue<double>(), node["ef"]!.GetValue<int>(), recall, node["buildSeconds"]!.GetValue<double>());
                    Console.WriteLine($"   hnswlib-node ef={b.Ef}: {b.Qps:0} q/s, recall {b.Recall:0.000}");
                    best ??= b;
                    if (best.Recall < ourRecall && b.Recall >= best.Recall)
                        best = b;
                }
                return best;
            }
            finally
            {
                tmp.Delete(recursive: true);
            }
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException)
        {
            Console.WriteLine($"   hnswlib-node baseline skipped: {e.Message}");
            return null;
        }
    }

    private static void Write(string path, float[][] rows)
    {
        using var f = File.Create(path);
        foreach (var row in rows)
            f.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(row.AsSpan()));
    }

    private static string? Exec(string file, string args, string dir)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode == 0)
            return stdout.Result;
        Console.WriteLine($"   {file} {args} failed ({p.ExitCode}): {stderr.Result.Trim()}");
        return null;
    }

    /// <summary>
    /// Writes 100k memories and their vectors into a store file, then measures a fresh child process
    /// that opens it, loads every vector into the exact index and holds the world's 100k memory mirrors.
    /// </summary>
    private static Metric Rss(SyntheticMemories corpus)
    {
        var dir = Directory.CreateTempSubdirectory("promethean-bench-rss");
        try
        {
            var db = Path.Combine(dir.FullName, "promethean.db");
            using (var store = SqliteStore.Open(db))
                corpus.WriteTo(store);
            var output = Exec(Environment.ProcessPath!, $"--rss-probe {db}", dir.FullName);
            var mb = double.Parse(output!.Trim().Split('\n')[^1], CultureInfo.InvariantCulture);
            return new Metric("rss_mb_100k_memories", mb, "MB", "<= 400",
                "fresh process: SQLite store with 100k memories (FTS5, nexus) open, 100k x 384-d vectors in the exact index, 100k memory mirrors in the world; RSS after a full GC");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }

    /// <summary>The child side of <see cref="Rss"/>: prints the resident set in MB.</summary>
    public static int RssProbe(string db)
    {
        using var store = SqliteStore.Open(db);
        store.VectorSearch("all-MiniLM-L6-v2", "canonical", new float[Dims], 10);
        var world = World.Empty;
        var mirrors = world.Memories.ToBuilder();
        foreach (var m in store.AllMemories())
        {
            world = world.Spawn(out var id);
            mirrors[id] = new MemoryMirror(m.Id, m.Kind, m.Tags, m.NexusKeys, MemoryLifecycle.Active);
        }
        world = world with { Memories = mirrors.ToImmutable() };
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        using var self = Process.GetCurrentProcess();
        Console.WriteLine(store.MemoryCount + world.Memories.Count > 0 ? "" : "empty");
        Console.WriteLine((self.WorkingSet64 / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture));
        return 0;
    }

    private static string Id(int i) => SyntheticMemories.Id(i);

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "global.json")))
            dir = dir.Parent;
        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }
}
