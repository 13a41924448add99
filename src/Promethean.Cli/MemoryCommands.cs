using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Promethean.Core;
using Promethean.Core.Events;
using Promethean.Core.Ingest;
using Promethean.Core.Retrieval;
using Promethean.Core.Systems;
using Promethean.Runtime;
using Promethean.Runtime.Config;
using Promethean.Runtime.Handlers;
using Promethean.Runtime.Import;
using Promethean.Stores.Sqlite;
using Promethean.Stores.Sqlite.Vectors;

namespace Promethean.Cli;

/// <summary><c>promethean ingest PATH</c> and <c>promethean search "text"</c> (issue #5).</summary>
internal static class MemoryCommands
{
    public static Command Ingest(Option<string> dataDirOption, Option<string?> configOption)
    {
        var path = new Argument<string>("path") { Description = "A DiscordChatExporter JSON file, a markdown file, or a folder of either" };
        var command = new Command("ingest", "Import Discord exports and markdown notes through the memory pipeline (dedupe, spam families, tags, embeddings)");
        command.Arguments.Add(path);
        command.SetAction(async (parse, ct) => await Cli.Guarded(() =>
            RunIngestAsync(parse.GetValue(dataDirOption)!, parse.GetValue(configOption), parse.GetValue(path)!, ct)));
        return command;
    }

    public static Command Search(Option<string> dataDirOption, Option<string?> configOption)
    {
        var text = new Argument<string>("text") { Description = "What to look for" };
        var k = new Option<int>("--k") { Description = "How many results", DefaultValueFactory = _ => 10 };
        var explain = new Option<bool>("--explain") { Description = "Show the score breakdown: vector, walk, keyword, recency and the key that linked it" };
        var command = new Command("search", "Hybrid memory search: vectors, daimoi walk over nexus keys, keywords, recency");
        command.Arguments.Add(text);
        command.Options.Add(k);
        command.Options.Add(explain);
        command.SetAction(parse => Cli.Guarded(() => Task.FromResult(
            RunSearch(parse.GetValue(dataDirOption)!, parse.GetValue(configOption), parse.GetValue(text)!, parse.GetValue(k), parse.GetValue(explain)))).GetAwaiter().GetResult());
        return command;
    }

    private static async Task<int> RunIngestAsync(string dataDir, string? configPath, string path, CancellationToken ct)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full) && !Directory.Exists(full))
            throw new FileNotFoundException($"nothing to ingest at {full}");
        var config = ConfigLoader.Load(configPath);
        var root = Directory.Exists(full) ? full : Path.GetDirectoryName(full)!;
        config.Fs.BaseDirectory = root;
        config.Fs.Roots = ["."];
        config.Engine.StatusEverySeconds = 0;
        config.Engine.RecordSystemTimes = false;

        var files = Directory.Exists(full)
            ? Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
            : [full];
        var problems = new List<string>();
        var lines = new List<ScriptLine>();
        long messages = 0;
        var batch = config.Engine.MaxBatch;
        foreach (var file in files)
        {
            if (file.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            {
                var read = DiscordExport.Read(file);
                problems.AddRange(read.Problems);
                messages += read.Messages.Count;
                foreach (var chunk in read.Messages.Chunk(batch))
                    lines.Add(new ScriptLine(chunk.Max(m => m.TimestampMs), [.. chunk.Select(m => (Event)new DiscordMessageImported(m))]));
            }
            else if (file.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
            {
                var bytes = await File.ReadAllBytesAsync(file, ct);
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                lines.Add(new ScriptLine(new DateTimeOffset(File.GetLastWriteTimeUtc(file)).ToUnixTimeMilliseconds(),
                    [new FsFileCreated(relative, PathGuard.HashOf(bytes), bytes.Length)]));
                messages++;
            }
        }
        if (lines.Count == 0)
        {
            foreach (var p in problems)
                Console.Error.WriteLine("warning: " + p);
            Console.WriteLine("nothing to ingest: no DiscordChatExporter .json or markdown .md files");
            return problems.Count > 0 ? 1 : 0;
        }

        using var logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));
        using var daemon = new Daemon(dataDir, config, logs);
        var before = DebugStatsSystem.CountersOf(daemon.Engine.World);
        var started = DateTime.UtcNow;
        var total = lines.Count;
        var done = 0;
        daemon.Engine.Committed += _ =>
        {
            done++;
            if (done % 5 == 0 || done >= total)
            {
                var counters = DebugStatsSystem.CountersOf(daemon.Engine.World);
                // Past the import lines the run waits for its embeddings: say how far they are.
                var embeddings = done <= total ? "" : string.Create(CultureInfo.InvariantCulture,
                    $"; embeddings {counters["embed.done"] - before["embed.done"]} done, {daemon.Engine.World.Jobs.Values.Count(EidolonIndexSystem.IsEmbedJob) + daemon.Store.DeferredJobCount} pending");
                Progress(Math.Min(done, total), total, counters["ingest.accepted"] - before["ingest.accepted"], embeddings);
            }
        };
        var cursor = "ingest:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', files))))[..16];
        await daemon.Engine.RunScriptAsync(WithDrain(lines, daemon), ct, cursor);
        Console.Error.WriteLine();

        var after = DebugStatsSystem.CountersOf(daemon.Engine.World);
        long Delta(string name) => after[name] - before[name];
        var seconds = (DateTime.UtcNow - started).TotalSeconds;
        Console.WriteLine($"ingested {files.Count} file(s), {messages} message(s)/note(s) in {seconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
        Console.WriteLine();
        Console.WriteLine($"  {"outcome",-34} {"count",8}");
        Console.WriteLine($"  {new string('-', 34)} {new string('-', 8)}");
        Console.WriteLine($"  {"accepted",-34} {Delta("ingest.accepted"),8}");
        foreach (var (reason, counter, _) in MemoryIngestSystem.Rejections(after))
            Console.WriteLine($"  {"rejected: " + reason,-34} {Delta(counter),8}");
        Console.WriteLine($"  {"spam family aggregates",-34} {Delta("ingest.spam.aggregates"),8}");
        Console.WriteLine($"  {"embedding jobs done / failed",-34} {Delta("embed.done") + " / " + Delta("embed.failed"),8}");
        Console.WriteLine($"  {"embedding jobs pending / deferred",-34} {daemon.Engine.World.Jobs.Values.Count(EidolonIndexSystem.IsEmbedJob) + " / " + daemon.Store.DeferredJobCount,8}");
        Console.WriteLine($"  {"memories in store",-34} {daemon.Store.MemoryCount,8}");
        var families = daemon.Store.AllMemories().Where(m => m.Kind == MemoryIngestSystem.SpamAggregateKind)
            .GroupBy(m => m.Source["spamFamily"])
            .Select(g => (Pattern: g.First().Source["pattern"], Count: g.Sum(m => long.Parse(m.Source["count"], CultureInfo.InvariantCulture)), Buckets: g.Count()))
            .OrderByDescending(f => f.Count).ThenBy(f => f.Pattern, StringComparer.Ordinal).Take(10).ToList();
        if (families.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"  top spam families (folded members, hours)");
            foreach (var f in families)
                Console.WriteLine($"  {f.Count,8} {f.Buckets,4}h  {Snippet(f.Pattern, 80)}");
        }
        if (problems.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"  {problems.Count} problem(s):");
            foreach (var p in problems.Take(20))
                Console.WriteLine("    " + p);
        }
        return 0;
    }

    /// <summary>
    /// The import lines, then empty ticks one second apart while embedding jobs are pending or
    /// deferred, so the run ends with its embeddings stored (or failed after their retries).
    /// </summary>
    private static IEnumerable<ScriptLine> WithDrain(IReadOnlyList<ScriptLine> lines, Daemon daemon)
    {
        foreach (var line in lines)
            yield return line;
        for (var i = 0; i < MaxDrainTicks && (daemon.Engine.World.Jobs.Values.Any(EidolonIndexSystem.IsEmbedJob) || daemon.Store.DeferredJobCount > 0); i++)
            yield return new ScriptLine(daemon.Engine.World.TimeMs + 1000, []);
    }

    private const int MaxDrainTicks = 1_000_000;

    private static void Progress(int done, int total, long accepted, string embeddings)
    {
        const int width = 30;
        var filled = (int)((long)width * done / Math.Max(1, total));
        // Padded, so a shorter line leaves nothing of the one it overwrites.
        Console.Error.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {done}/{total} ticks, {accepted} accepted{embeddings}".PadRight(100));
    }

    private static int RunSearch(string dataDir, string? configPath, string text, int k, bool explain)
    {
        var path = Path.Combine(dataDir, "promethean.db");
        if (!File.Exists(path))
            throw new FileNotFoundException($"no store at {path}: ingest something first");
        var config = ConfigLoader.Load(configPath);
        using var store = SqliteStore.Open(path);
        using var embedder = new Promethean.Llm.Local.LocalEmbeddingProvider();
        var model = config.Memory.EmbedModel;
        var count = store.VectorCount(model, EidolonIndexSystem.CanonicalKind);
        var vector = count > 0 ? embedder.Embed([text])[0] : [];
        var keys = Tagger.Tag(text, new TagContext("query"), ImmutableSortedDictionary<string, ImmutableArray<string>>.Empty).Keys;
        using var hnsw = count >= VectorIndex.HnswThreshold ? new HnswStoreReader(store, dataDir, model, EidolonIndexSystem.CanonicalKind) : null;
        var hits = MemoryRetrieval.Search((IStoreReader?)hnsw ?? store, new RetrievalQuery(text, [.. vector], [.. keys], DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), k) { Model = model });
        if (hits.Count == 0)
        {
            Console.WriteLine("no results");
            return 0;
        }
        for (var i = 0; i < hits.Count; i++)
        {
            var h = hits[i];
            var m = store.GetMemory(h.MemoryId)!;
            var when = DateTimeOffset.FromUnixTimeMilliseconds(m.CreatedMs).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i + 1,2}. {h.Score:0.000}  {when}  {m.Kind,-16} {Snippet(m.Text, 90)}"));
            if (explain)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"      vector {h.Vector:0.000}  walk {h.Walk:0.000}  keyword {h.Keyword:0.000}  recency {h.Recency:0.000}  via {(h.Via.Length > 0 ? h.Via : "-")}  id {h.MemoryId[..12]}"));
            }
        }
        return 0;
    }

    private static string Snippet(string text, int max)
    {
        var one = text.ReplaceLineEndings(" ");
        return one.Length <= max ? one : one[..(max - 1)] + "…";
    }
}
