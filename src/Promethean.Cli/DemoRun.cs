using System.Globalization;
using Microsoft.Extensions.Logging;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Systems;
using Promethean.Discord.Loopback;
using Promethean.Inspector;
using Promethean.Runtime.Config;

namespace Promethean.Cli;

/// <summary>
/// The newcomer's run (issue 7 item 9): the daemon, exactly as it runs for real, connected to a loopback Discord that
/// plays the bundled day of a small team's server (with spam, duplicates and questions for Duck). The agent reads,
/// remembers, retrieves and answers with the builtin model and local embeddings; at the end the janitor reports
/// and the run is verified by replay.
/// </summary>
internal static class DemoRun
{
    public const double DefaultSpeed = PlayOptions.DefaultSpeed;

    public static async Task<int> RunAsync(string dataDir, PrometheanConfig config, ILoggerFactory logs, double speed, InspectorOptions? inspect, CancellationToken ct)
    {
        if (Directory.Exists(dataDir))
            Directory.Delete(dataDir, recursive: true);
        Directory.CreateDirectory(Path.Combine(dataDir, "files", "docs", "notes"));
        config.Engine.StatusEverySeconds = 0;
        config.Fs.BaseDirectory = Path.Combine(dataDir, "files");
        // The day plays about a thousand times faster than it happened: per-minute budgets scale with it.
        foreach (var session in config.Cephalons.SelectMany(c => c.Sessions))
        {
            session.LlmCallsPerMinute = Math.Max(session.LlmCallsPerMinute, 600);
            session.TokensPerMinute = Math.Max(session.TokensPerMinute, 2_000_000);
        }
        var started = DateTime.UtcNow;

        var history = DemoHistory.Load();
        await using var discord = await LoopbackDiscord.StartAsync(history, cancellationToken: ct);
        string Channel(string id) => "#" + (discord.Guild?.Channel(id)?.Name ?? id);
        var played = 0;
        discord.MessagePlayed += m =>
        {
            Interlocked.Increment(ref played);
            if (m.Content.Contains("duck", StringComparison.OrdinalIgnoreCase) || m.Content.StartsWith('!'))
                Console.WriteLine($"{m.Timestamp:HH:mm} {Channel(m.ChannelId),-9} {m.AuthorName}: {OneLine(m.Content)}");
        };
        discord.MessagePosted += p => Console.WriteLine($"      {Channel(p.ChannelId),-9} {discord.BotUser.Username} ▸ {Indent(p.Content)}");

        Console.WriteLine($"Promethean demo: {history.Messages.Count} messages of {history.Start:yyyy-MM-dd} in {history.Guild.Channels.Count} channels, "
            + $"played through a loopback Discord at {speed.ToString("0", CultureInfo.InvariantCulture)}x (questions for Duck and its answers below)");
        Console.WriteLine();

        string? report = null;
        using (var daemon = new Daemon(dataDir, config, logs, discord.CreateClient(logs)))
        {
            await using var inspector = await InspectorHosting.StartAsync(daemon, inspect, logs, ct);
            var reports = new ReportWatch(daemon.Engine);
            daemon.Engine.Committed += tick =>
            {
                if (!Console.IsErrorRedirected && tick.Tick % 25 == 0)
                    Console.Error.Write($"\r  tick {tick.Tick}, {Volatile.Read(ref played)}/{history.Messages.Count} messages played   \r");
            };

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var running = daemon.RunAsync(stop.Token);
            await discord.PlayAsync(history, new PlayOptions { Speed = speed }, ct);
            await Quiet(daemon, TimeSpan.FromSeconds(60), ct);

            Console.WriteLine();
            Console.WriteLine("End of the day: asking the janitor for its report ...");
            await daemon.Engine.Inbound.WriteAsync(new JanitorReportRequested("demo"), ct);
            var done = await Task.WhenAny(reports.FirstWritten, Task.Delay(TimeSpan.FromSeconds(90), ct));
            report = done == reports.FirstWritten ? await reports.FirstWritten : null;
            await Quiet(daemon, TimeSpan.FromSeconds(30), ct);
            await stop.CancelAsync();
            await running;

            var world = daemon.Engine.World;
            var counters = DebugStatsSystem.CountersOf(world);
            if (report is not null)
            {
                var full = Path.Combine(config.Fs.BaseDirectory, report);
                Console.WriteLine();
                Console.WriteLine(await File.ReadAllTextAsync(full, ct));
                report = full;
            }
            Console.WriteLine();
            Console.WriteLine("Summary");
            Console.WriteLine($"  messages in            {counters["events.in.discord.message/new"]}");
            Console.WriteLine($"  memories stored        {daemon.Store.MemoryCount}");
            foreach (var (reason, _, count) in MemoryIngestSystem.Rejections(counters))
                Console.WriteLine($"  rejected: {reason,-12} {count}");
            Console.WriteLine($"  embedding calls        {counters["effects.llm/embed"]}");
            Console.WriteLine($"  model calls            {counters["effects.llm/chat"]} (silent {counters["cephalon.silence"]}, tool results {counters["events.out.tool/result"]})");
            Console.WriteLine($"  replies posted         {discord.Posted.Count}");
            foreach (var (_, session) in world.Sessions)
                Console.WriteLine($"  session {session.Name,-14} {session.Status.ToString().ToLowerInvariant()}, queue {session.Queue.Length} (dropped {session.QueueDropped}), pinned {session.Persistent.Length}");
            Console.WriteLine($"  report                 {report ?? "(none: the janitor did not answer in time)"}");
            Console.WriteLine($"  world hash             {daemon.Engine.LastTick?.WorldHash}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  elapsed                {(DateTime.UtcNow - started).TotalSeconds:0.0} s"));
            await InspectorHosting.ServeUntilStoppedAsync(inspector, logs, ct);
        }
        Console.WriteLine($"Verifying by replay of {Path.GetFullPath(dataDir)} ...");
        return Cli.Replay(dataDir);
    }

    /// <summary>Waits until no effect is pending and the inbound queue is empty for a moment, or the limit passes.</summary>
    private static async Task Quiet(Daemon daemon, TimeSpan limit, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + limit;
        var quietSince = DateTime.UtcNow;
        var lastTick = -1L;
        while (DateTime.UtcNow < deadline && !ct.IsCancellationRequested)
        {
            var tick = daemon.Engine.World.Tick;
            var busy = tick != lastTick || daemon.Engine.InboundDepth > 0 || daemon.Engine.World.Sessions.Values.Any(s => s.Turn is not null || !s.Queue.IsEmpty);
            if (busy)
                quietSince = DateTime.UtcNow;
            else if (DateTime.UtcNow - quietSince > TimeSpan.FromSeconds(1.5))
                return;
            lastTick = tick;
            await Task.Delay(100, ct);
        }
    }

    private static string OneLine(string s)
    {
        var line = s.ReplaceLineEndings(" ");
        return line.Length <= 140 ? line : line[..140] + "…";
    }

    private static string Indent(string s) => s.ReplaceLineEndings("\n                        ");
}
