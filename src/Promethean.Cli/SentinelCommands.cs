using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Promethean.Core.Components;
using Promethean.Core.Events;
using Promethean.Runtime;
using Promethean.Runtime.Config;
using Promethean.Runtime.Handlers;

namespace Promethean.Cli;

/// <summary>
/// <c>promethean sentinel run [DIR]</c>: one pass of the frontmatter sentinel over a folder of notes,
/// through the same engine, handlers and journal as the daemon, with a progress bar and a summary.
/// </summary>
internal static class SentinelCommands
{
    public static Command Create(Option<string> dataDirOption, Option<string?> configOption)
    {
        var dirArgument = new Argument<string>("DIR") { Description = "Folder of markdown notes (searched recursively)", DefaultValueFactory = _ => "docs/notes" };
        var run = new Command("run", "Make every note's frontmatter valid once, then exit (1 if any note failed). The run is journaled under <data-dir>/sentinel-run and can be replayed");
        run.Arguments.Add(dirArgument);
        run.SetAction(async (parse, ct) => await Cli.Guarded(() =>
            RunAsync(parse.GetValue(dirArgument)!, parse.GetValue(dataDirOption)!, parse.GetValue(configOption), ct)));

        var sentinel = new Command("sentinel", "Contract-driven jobs over files: keep markdown frontmatter valid");
        sentinel.Subcommands.Add(run);
        return sentinel;
    }

    private static async Task<int> RunAsync(string dir, string dataDir, string? configPath, CancellationToken ct)
    {
        var folder = Path.GetFullPath(dir);
        if (!Directory.Exists(folder))
            throw new FileNotFoundException($"no such folder: {dir}");
        var config = ConfigLoader.Load(configPath);
        config.Fs.BaseDirectory = folder;
        config.Fs.Roots.Clear();
        config.Fs.Roots.Add(".");
        config.Sentinel.Enabled = true;
        config.Sentinel.Paths = ["**/*.md"];
        config.Sentinel.DebounceMs = 0;
        config.Engine.StatusEverySeconds = 0;
        config.Engine.RecordSystemTimes = false;

        var runDir = Path.Combine(dataDir, "sentinel-run");
        if (Directory.Exists(runDir))
            Directory.Delete(runDir, recursive: true);

        using var logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Error).AddSimpleConsole(o => o.SingleLine = true));
        using var daemon = new Daemon(runDir, config, logs);
        var events = Scan(folder, daemon.Guard);
        Console.Error.WriteLine($"sentinel: {events.Count} notes under {folder}");

        var total = events.Count;
        var bar = !Console.IsErrorRedirected && total > 0;
        daemon.Engine.Committed += _ =>
        {
            if (bar)
                Progress(daemon.Engine.World.Sentinels.Values.Count(s => s.IsTerminal), total);
        };
        var started = DateTime.UtcNow;
        await daemon.RunScriptAsync([new ScriptLine(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), [.. events])], ct);
        if (bar)
            Console.Error.Write("\r" + new string(' ', 60) + "\r");

        return Summarize(daemon.Engine.World.Sentinels.Values.ToList(), folder, runDir, DateTime.UtcNow - started);
    }

    /// <summary>One <c>fs.file/created</c> per markdown file, in path order; files the guard refuses still get one so they are reported.</summary>
    private static List<Event> Scan(string folder, PathGuard guard)
    {
        var events = new List<Event>();
        var files = Directory.EnumerateFiles(folder, "*.md", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
            .Where(f => !Path.GetFileName(f).StartsWith('.'))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var relative = guard.Relative(file);
            string hash;
            long size = 0;
            try
            {
                guard.Resolve(relative);
                size = new FileInfo(file).Length;
                hash = size > guard.MaxFileBytes ? $"too-large:{size}" : PathGuard.HashOf(File.ReadAllBytes(file));
            }
            catch (Exception e) when (e is EffectFailedException or IOException or UnauthorizedAccessException)
            {
                hash = "unreadable";
            }
            events.Add(new FsFileCreated(relative, hash, size));
        }
        return events;
    }

    private static void Progress(int done, int total)
    {
        const int width = 30;
        var filled = total == 0 ? width : done * width / total;
        Console.Error.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {done}/{total}");
    }

    private static int Summarize(List<Sentinel> sentinels, string folder, string runDir, TimeSpan elapsed)
    {
        int Count(string outcome) => sentinels.Count(s => s.Outcome == outcome);
        var unfinished = sentinels.Where(s => !s.IsTerminal).ToList();
        Console.WriteLine($"Frontmatter sentinel over {folder}");
        Console.WriteLine($"  {"written",-16} {Count("written"),8}");
        Console.WriteLine($"  {"already valid",-16} {Count("already-valid"),8}");
        Console.WriteLine($"  {"skipped",-16} {Count("skipped"),8}");
        Console.WriteLine($"  {"failed",-16} {Count("failed") + unfinished.Count,8}");
        Console.WriteLine($"  {"LLM calls",-16} {sentinels.Sum(s => s.LlmCalls),8}");
        Console.WriteLine($"  {"tokens in/out",-16} {sentinels.Sum(s => s.PromptTokens),8} / {sentinels.Sum(s => s.CompletionTokens)}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"elapsed",-16} {elapsed.TotalSeconds,8:0.00} s"));

        var problems = sentinels.Where(s => s.Outcome is "failed" or "skipped").Concat(unfinished)
            .OrderBy(s => s.Input.Path, StringComparer.Ordinal).ToList();
        if (problems.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"  {"outcome",-8} {"path",-40} reason");
            foreach (var s in problems)
                Console.WriteLine($"  {s.Outcome ?? "stuck",-8} {s.Input.Path,-40} {s.Reason ?? s.State.ToString().ToLowerInvariant()}");
        }
        if (problems.Any(s => s.Reason?.Contains("no handler for effect type 'llm/chat'", StringComparison.Ordinal) == true))
            Console.WriteLine("\n  no llm/chat handler is registered in this build: notes needing new frontmatter cannot be filled yet");
        Console.WriteLine($"\n  journal: {Path.GetFullPath(runDir)} (check it with: promethean replay --data-dir {runDir})");
        return Count("failed") + unfinished.Count > 0 ? 1 : 0;
    }
}
