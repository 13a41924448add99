using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Promethean.Cli;
using Promethean.Core;
using Promethean.Discord.Loopback;
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
var demoOption = new Option<bool>("--demo") { Description = "Play the bundled demo day through a loopback Discord into ./.promethean-demo: the agent reads, remembers, answers and reports; then the run is verified by replay" };
var speedOption = new Option<double>("--speed") { Description = "Demo playback speed (1000 plays an hour in 3.6 s)", DefaultValueFactory = _ => PlayOptions.DefaultSpeed };
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
run.Options.Add(speedOption);
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
            return await DemoRun.RunAsync(dataDir, config, logs, parse.GetValue(speedOption), inspect, ct);
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
                ["hashFormat"] = store.HashFormat,
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
    }
}
