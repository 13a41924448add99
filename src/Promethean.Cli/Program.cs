using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Promethean.Cli;
using Promethean.Core;
using Promethean.Inspector;
using Promethean.Runtime;
using Promethean.Runtime.Config;
using Promethean.Stores.Sqlite;

System.Globalization.CultureInfo.DefaultThreadCurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;

var dataDirOption = new Option<string>("--data-dir")
{
    Description = "Folder holding the store, journal and lock",
    DefaultValueFactory = _ => "./.promethean",
    Recursive = true,
};
var configOption = new Option<string?>("--config")
{
    Description = "JSON config file; PROMETHEAN__Section__Key environment variables override it",
    Recursive = true,
};
var scriptOption = new Option<string?>("--script") { Description = "Run a scripted input (JSON lines, one tick each) in lockstep, then exit" };
var demoOption = new Option<bool>("--demo") { Description = "Run the bundled demo day of Discord traffic into ./.promethean-demo, verify it by replay, print a summary" };
var jsonOption = new Option<bool>("--json") { Description = "Machine-readable output" };
var inspectOption = new Option<bool>("--inspect") { Description = "Serve the live inspector web page (127.0.0.1 unless --inspect-host)" };
var portOption = new Option<int>("--port") { Description = "Inspector port", DefaultValueFactory = _ => 8787 };
var inspectHostOption = new Option<string>("--inspect-host") { Description = "Inspector bind address; anything but loopback requires a token", DefaultValueFactory = _ => "127.0.0.1" };
var inspectTokenOption = new Option<string?>("--inspect-token") { Description = $"Token the inspector requires (or {InspectorOptions.TokenEnvironmentVariable})" };

var root = new RootCommand("Promethean: an always-on LLM agent runtime built like a game engine");
root.Options.Add(dataDirOption);
root.Options.Add(configOption);

var run = new Command("run", "Run the daemon: timers, file watcher, tick loop, effect runner (Ctrl-C stops after the current tick)");
run.Options.Add(scriptOption);
run.Options.Add(demoOption);
run.Options.Add(inspectOption);
run.Options.Add(portOption);
run.Options.Add(inspectHostOption);
run.Options.Add(inspectTokenOption);
run.SetAction(async (parse, ct) =>
{
    var demo = parse.GetValue(demoOption);
    var dataDir = demo ? "./.promethean-demo" : parse.GetValue(dataDirOption)!;
    return await Cli.Guarded(async () =>
    {
        var config = ConfigLoader.Load(parse.GetValue(configOption));
        using var logs = Cli.Logs();
        var inspect = parse.GetValue(inspectOption)
            ? new InspectorOptions
            {
                Host = parse.GetValue(inspectHostOption)!,
                Port = parse.GetValue(portOption),
                Token = parse.GetValue(inspectTokenOption) ?? Environment.GetEnvironmentVariable(InspectorOptions.TokenEnvironmentVariable),
            }
            : null;
        inspect?.Validate();
        if (demo)
            return await Cli.RunDemoAsync(dataDir, config, logs, ct, inspect);
        using var daemon = new Daemon(dataDir, config, logs);
        await using var inspector = await InspectorHosting.StartAsync(daemon, inspect, logs, ct);
        var script = parse.GetValue(scriptOption);
        if (script is not null)
        {
            await daemon.RunScriptAsync(ScriptLine.ReadFile(script), ct);
            Console.WriteLine($"script done at tick {daemon.Engine.World.Tick}, world {daemon.Engine.LastTick?.WorldHash ?? "(no new tick)"}");
            await InspectorHosting.ServeUntilStoppedAsync(inspector, logs, ct);
            return 0;
        }
        logs.CreateLogger("promethean").LogInformation("running on data dir {DataDir}; Ctrl-C to stop", Path.GetFullPath(dataDir));
        await daemon.RunAsync(ct);
        return 0;
    });
});

var replay = new Command("replay", "Re-run the journal against fresh stores and check every tick's world hash (exit 0 = identical, 1 = diverged)");
replay.SetAction(parse => Cli.Guarded(() => Task.FromResult(Cli.Replay(parse.GetValue(dataDirOption)!))).GetAwaiter().GetResult());

var status = new Command("status", "Show the committed tick, world hash, memories and pending effects of a data dir");
status.Options.Add(jsonOption);
status.SetAction(parse => Cli.Guarded(() => Task.FromResult(Cli.Status(parse.GetValue(dataDirOption)!, parse.GetValue(jsonOption)))).GetAwaiter().GetResult());

root.Subcommands.Add(run);
root.Subcommands.Add(replay);
root.Subcommands.Add(status);
root.Subcommands.Add(MemoryCommands.Ingest(dataDirOption, configOption));
root.Subcommands.Add(MemoryCommands.Search(dataDirOption, configOption));
root.Subcommands.Add(SentinelCommands.Create(dataDirOption, configOption));
root.Subcommands.Add(GcCommands.Create(dataDirOption, configOption));
root.Subcommands.Add(LlmCommands.Create(configOption));
root.Subcommands.Add(JanitorCommands.Create(dataDirOption, configOption));
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });

namespace Promethean.Cli
{
    internal static class Cli
    {
        public static ILoggerFactory Logs() => LoggerFactory.Create(b => b
            .SetMinimumLevel(LogLevel.Information)
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            }));

        /// <summary>Turns expected failures into a clear message and an exit code instead of a stack trace.</summary>
        public static async Task<int> Guarded(Func<Task<int>> body)
        {
            try
            {
                return await body();
            }
            catch (ConfigException e)
            {
                await Console.Error.WriteLineAsync("error: " + e.Message);
                return 2;
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or FileNotFoundException)
            {
                await Console.Error.WriteLineAsync("error: " + e.Message);
                return 1;
            }
        }

        public static int Replay(string dataDir)
        {
            var path = Path.Combine(dataDir, "promethean.db");
            if (!File.Exists(path))
                throw new FileNotFoundException($"no store at {path}: nothing to replay");
            using var store = SqliteStore.Open(path);
            var started = DateTime.UtcNow;
            var report = Replayer.Replay(store, Schedule.Systems, (done, total) =>
            {
                if (done % 1000 == 0)
                    Console.Error.Write($"\rreplayed {done}/{total} ticks");
            });
            Console.Error.Write("\r");
            var seconds = (DateTime.UtcNow - started).TotalSeconds;
            if (report.DivergedAtTick is long tick)
            {
                Console.WriteLine($"DIVERGED at tick {tick} (after {report.TicksVerified} identical ticks)");
                Console.WriteLine("differing parts: " + string.Join(", ", report.DifferingParts));
                if (!report.DifferingEntities.IsEmpty)
                    Console.WriteLine("differing components: " + string.Join(", ", report.DifferingEntities));
                return 1;
            }
            if (!report.StoresMatch)
            {
                Console.WriteLine($"all {report.TicksVerified} tick hashes match, but the replayed memory store differs from the original");
                return 1;
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"replay ok: {report.TicksVerified} ticks identical, stores identical, final world {report.FinalHash ?? "(genesis)"} ({seconds:0.00} s)"));
            return 0;
        }

        public static int Status(string dataDir, bool json)
        {
            var path = Path.Combine(dataDir, "promethean.db");
            if (!File.Exists(path))
                throw new FileNotFoundException($"no store at {path}");
            using var store = SqliteStore.Open(path);
            var last = store.ReadJournalEntry(store.LastTick);
            var info = new SortedDictionary<string, object?>(StringComparer.Ordinal)
            {
                ["tick"] = store.LastTick,
                ["worldHash"] = last?.WorldHash,
                ["memories"] = store.MemoryCount,
                ["memoryDigest"] = store.MemoryDigest(),
                ["pendingEffects"] = store.PendingOutbox().Count,
                ["scriptCursor"] = store.Cursor(Engine.ScriptCursor),
            };
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(info));
            }
            else
            {
                foreach (var (key, value) in info)
                    Console.WriteLine($"{key,-16} {value}");
            }
            return 0;
        }

        public static async Task<int> RunDemoAsync(string dataDir, PrometheanConfig config, ILoggerFactory logs, CancellationToken ct, InspectorOptions? inspect = null)
        {
            if (Directory.Exists(dataDir))
                Directory.Delete(dataDir, recursive: true);
            config.Engine.StatusEverySeconds = 0;
            var started = DateTime.UtcNow;
            var script = DemoScript.Generate().ToList();
            using (var daemon = new Daemon(dataDir, config, logs))
            {
                await using var inspector = await InspectorHosting.StartAsync(daemon, inspect, logs, ct);
                daemon.Engine.Committed += r =>
                {
                    if (r.Tick % 20 == 0)
                        Console.Error.Write($"\rtick {r.Tick}/{script.Count}");
                };
                await daemon.RunScriptAsync(script, ct);
                Console.Error.Write("\r");
                var world = daemon.Engine.World;
                var counters = Core.Systems.DebugStatsSystem.CountersOf(world);
                Console.WriteLine("Promethean demo: one day of Discord traffic through the tick loop");
                Console.WriteLine($"  ticks                  {world.Tick}");
                Console.WriteLine($"  messages in            {counters["events.in.discord.message/new"]}");
                Console.WriteLine($"  memories stored        {daemon.Store.MemoryCount}");
                foreach (var (reason, _, count) in Core.Systems.MemoryIngestSystem.Rejections(counters))
                    Console.WriteLine($"  rejected: {reason,-12} {count}");
                Console.WriteLine($"  embedding effects      {counters["effects.llm/embed"]}");
                foreach (var (_, session) in world.Sessions)
                    Console.WriteLine($"  session {session.Name,-14} {session.Status.ToString().ToLowerInvariant()}, queue {session.Queue.Length} (dropped {session.QueueDropped})");
                Console.WriteLine($"  world hash             {daemon.Engine.LastTick?.WorldHash}");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  elapsed                {(DateTime.UtcNow - started).TotalSeconds:0.00} s"));
                await InspectorHosting.ServeUntilStoppedAsync(inspector, logs, ct);
            }
            Console.WriteLine($"Verifying by replay of {Path.GetFullPath(dataDir)} ...");
            return Replay(dataDir);
        }
    }
}
