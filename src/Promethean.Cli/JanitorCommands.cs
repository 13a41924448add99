using System.CommandLine;
using Microsoft.Extensions.Logging;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Systems;
using Promethean.Runtime.Config;

namespace Promethean.Cli;

/// <summary><c>promethean janitor report</c>: the janitor's report now, through the same session path as the hourly one.</summary>
internal static class JanitorCommands
{
    public static Command Create(Option<string> dataDirOption, Option<string?> configOption)
    {
        var report = new Command("report",
            "Ask the janitor session for its report now: what happened since the last report, assembled through [related persistent recent], "
            + "written to its report folder (and posted to its report channel when Discord is configured). Needs the daemon stopped.");
        report.SetAction(async (parse, ct) => await Cli.Guarded(() => ReportAsync(parse.GetValue(dataDirOption)!, parse.GetValue(configOption), ct)));
        var janitor = new Command("janitor", "The janitor session: periodic reports on memory, dedupe, embeddings, sentinels and LLM use");
        janitor.Subcommands.Add(report);
        return janitor;
    }

    private static async Task<int> ReportAsync(string dataDir, string? configPath, CancellationToken ct)
    {
        var config = ConfigLoader.Load(configPath);
        config.Engine.StatusEverySeconds = 0;
        if (!config.Cephalons.SelectMany(c => c.Sessions).Any(s => s.Role == SessionConfig.JanitorRole))
            throw new InvalidOperationException("no session has Role \"janitor\" in the configuration");
        using var logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));
        using var daemon = new Daemon(dataDir, config, logs);

        var reports = new ReportWatch(daemon.Engine);
        var posted = 0;
        daemon.Engine.Committed += tick =>
            posted += tick.Effects.Count(e => e is DiscordSend && e.Meta.GetValueOrDefault("source") == "cephalon" && IsJanitor(daemon, e));
        Console.Error.WriteLine("janitor: assembling the report ...");
        await daemon.Engine.RunOnceAsync([new JanitorReportRequested("cli")], DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ct);

        foreach (var failure in reports.Failures)
            Console.Error.WriteLine($"janitor: the report could not be written: {failure}");
        if (reports.Written.Count == 0)
        {
            var counters = DebugStatsSystem.CountersOf(daemon.Engine.World);
            var why = reports.Failures.Count > 0 ? "see above"
                : counters["cephalon.turn.errors"] > 0 ? "the model call failed (see the log above)"
                : counters["cephalon.turn.skipped.budget"] > 0 ? "the janitor's token budget is used up"
                : "the janitor is busy with another turn or stayed silent";
            Console.Error.WriteLine($"janitor: no report was written: {why}");
            return 1;
        }
        foreach (var path in reports.Written)
        {
            var full = Path.Combine(Path.GetFullPath(config.Fs.BaseDirectory), path);
            if (File.Exists(full))
                Console.WriteLine(await File.ReadAllTextAsync(full, ct));
            Console.Error.WriteLine($"janitor: report written to {full}{(posted > 0 ? " and posted to Discord" : "")}");
        }
        return 0;
    }

    private static bool IsJanitor(Daemon daemon, Effect effect) =>
        effect.Meta.TryGetValue(CephalonSystem.SessionKey, out var raw)
        && daemon.Engine.World.Sessions.TryGetValue(Core.EntityId.Parse(raw), out var s)
        && s.Profile.Contract == CephalonContracts.Janitor;
}
