using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Promethean.Core;
using Promethean.Core.Compaction;
using Promethean.Core.Events;
using Promethean.Core.Systems;
using Promethean.Runtime;
using Promethean.Runtime.Config;
using Promethean.Stores.Sqlite;

namespace Promethean.Cli;

/// <summary>
/// <c>promethean gc plan</c> (a dry run of <see cref="CompactionPlanner"/> over a data dir, read-only) and
/// <c>promethean gc commit</c> (compaction through the engine: a <c>gc/requested</c> tick, then the summary
/// calls and embeddings in lockstep until the gc jobs are done), issue #8.
/// </summary>
internal static class GcCommands
{
    public static Command Create(Option<string> dataDirOption, Option<string?> configOption)
    {
        var plan = new Command("plan", "Dry run: show the groups compaction would fold into summaries (hash, channel, bucket, members); changes nothing");
        plan.SetAction(parse => Cli.Guarded(() => Task.FromResult(Plan(parse.GetValue(dataDirOption)!))).GetAwaiter().GetResult());

        var commit = new Command("commit", "Compact now: summarize every planned group through the configured chat endpoint (builtin offline), tombstone the sources, delete their vectors, embed the summaries");
        commit.SetAction(async (parse, ct) => await Cli.Guarded(() => CommitAsync(parse.GetValue(dataDirOption)!, parse.GetValue(configOption), ct)));

        var gc = new Command("gc", "Memory compaction: fold old memories into summaries that keep their facts");
        gc.Subcommands.Add(plan);
        gc.Subcommands.Add(commit);
        return gc;
    }

    private static int Plan(string dataDir)
    {
        var path = Path.Combine(dataDir, "promethean.db");
        if (!File.Exists(path))
            throw new FileNotFoundException($"no store at {path}: nothing to plan");
        using var store = SqliteStore.OpenReadOnly(path);
        var world = store.LoadWorld();
        var settings = world.MemoryConfig.Compaction;
        var now = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), world.TimeMs);
        var plan = CompactionPlanner.Plan(store, settings, now, CompactionPlanner.Reserved(world));

        Console.WriteLine($"gc plan for {Path.GetFullPath(dataDir)} (dry run: nothing changed)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  kinds {string.Join(", ", settings.Kinds)}; created before {Utc(CompactionPlanner.Cutoff(settings, now))} UTC (min age {settings.MinAgeMs / 3_600_000.0:0.#} h, buckets of {settings.BucketMs / 3_600_000.0:0.#} h); groups of {settings.MinGroupSize}..{settings.MaxGroupSize}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {plan.Candidates} candidate(s), {plan.Groups.Length} group(s), {plan.Members} member(s), ~{plan.Groups.Sum(g => g.TokenEstimate)} tokens to summarize{(plan.Truncated ? "; capped, more remain for later plans" : "")}"));
        if (settings.EveryMs == 0)
            Console.WriteLine("  cadence: on demand only (Memory:Compaction:EveryMinutes is 0)");
        if (plan.Groups.IsEmpty)
            return 0;
        Console.WriteLine();
        Console.WriteLine($"  {"hash",-12} {"channel",-20} {"bucket (UTC)",-16} {"members",7} {"~tokens",7}  cluster");
        Console.WriteLine($"  {new string('-', 12)} {new string('-', 20)} {new string('-', 16)} {new string('-', 7)} {new string('-', 7)}  {new string('-', 16)}");
        foreach (var g in plan.Groups)
            Console.WriteLine($"  {g.Hash[..12],-12} {Cut(g.Channel, 20),-20} {Utc(g.BucketStartMs),-16} {g.Members.Length,7} {g.TokenEstimate,7}  {g.Cluster}");
        return 0;
    }

    private static async Task<int> CommitAsync(string dataDir, string? configPath, CancellationToken ct)
    {
        var config = ConfigLoader.Load(configPath);
        config.Engine.StatusEverySeconds = 0;
        config.Engine.RecordSystemTimes = false;
        using var logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));
        using var daemon = new Daemon(dataDir, config, logs);
        var before = daemon.Store.MemoryCount;
        var planned = new List<GcPlanned>();
        var outcomes = new List<GcCommitted>();
        var started = DateTime.UtcNow;
        daemon.Engine.Committed += _ =>
        {
            var world = daemon.Engine.World;
            planned.AddRange(world.EventsOut.OfType<GcPlanned>());
            outcomes.AddRange(world.EventsOut.OfType<GcCommitted>());
            var total = planned.Sum(p => p.Queued.Length);
            if (total > 0 && !Console.IsErrorRedirected)
                Console.Error.Write($"\r{outcomes.Count}/{total} group(s) done");
        };
        // The cursor is named after the tick this run starts at, so every invocation's one-line script runs.
        var cursor = "gc:" + daemon.Engine.World.Tick.ToString(CultureInfo.InvariantCulture);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await daemon.Engine.RunScriptAsync(WithDrain(new ScriptLine(now, [new GcRequested("cli")]), daemon), ct, cursor);
        if (!Console.IsErrorRedirected)
            Console.Error.WriteLine();

        var queued = planned.Sum(p => p.Queued.Length);
        int Count(string outcome) => outcomes.Count(o => o.Outcome == outcome);
        Console.WriteLine($"gc commit on {Path.GetFullPath(dataDir)}");
        Console.WriteLine($"  {"groups planned",-28} {queued,8}");
        Console.WriteLine($"  {"groups written",-28} {Count(GcCommitted.Written),8}");
        Console.WriteLine($"  {"groups already committed",-28} {Count(GcCommitted.AlreadyCommitted),8}");
        Console.WriteLine($"  {"groups stale (sources moved)",-28} {Count(GcCommitted.Stale),8}");
        Console.WriteLine($"  {"groups failed",-28} {Count(GcCommitted.Failed),8}");
        Console.WriteLine($"  {"sources tombstoned",-28} {outcomes.Sum(o => o.Sources),8}");
        Console.WriteLine($"  {"memories in store",-28} {daemon.Store.MemoryCount,8} (was {before})");
        Console.WriteLine($"  {"unfinished gc jobs",-28} {daemon.Engine.World.Jobs.Values.Count(j => j.Type == Core.Components.Job.GcCommit),8}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"elapsed",-28} {(DateTime.UtcNow - started).TotalSeconds,8:0.00} s"));
        if (outcomes.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"  {"hash",-12} {"outcome",-17} {"sources",7}  {"summary",-12}  text");
            Console.WriteLine($"  {new string('-', 12)} {new string('-', 17)} {new string('-', 7)}  {new string('-', 12)}  {new string('-', 40)}");
            foreach (var o in outcomes)
            {
                var summary = o.Outcome == GcCommitted.Written ? daemon.Store.GetMemory(o.SummaryId) : null;
                var text = summary is null ? o.Reason ?? "" : Cut(summary.Text, 70);
                Console.WriteLine($"  {Short(o.GroupHash),-12} {o.Outcome,-17} {o.Sources,7}  {Short(o.SummaryId),-12}  {text}");
            }
        }
        return Count(GcCommitted.Failed) > 0 ? 1 : 0;
    }

    /// <summary>The request, then empty ticks one second apart while gc or embedding jobs remain (retry backoff included).</summary>
    private static IEnumerable<ScriptLine> WithDrain(ScriptLine request, Daemon daemon)
    {
        yield return request;
        for (var i = 0; i < MaxDrainTicks && Busy(daemon.Engine.World); i++)
            yield return new ScriptLine(daemon.Engine.World.TimeMs + 1000, []);
    }

    private static bool Busy(World world) => world.Jobs.Values.Any(j => j.Type == Core.Components.Job.GcCommit || EidolonIndexSystem.IsEmbedJob(j));

    private const int MaxDrainTicks = 100_000;

    private static string Utc(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;

    private static string Cut(string text, int max)
    {
        var one = text.ReplaceLineEndings(" ");
        return one.Length <= max ? one : one[..(max - 1)] + "…";
    }
}
