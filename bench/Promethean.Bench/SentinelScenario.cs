using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Sentinels;
using Promethean.Runtime;
using Promethean.Runtime.Config;
using Promethean.Runtime.Handlers;
using Promethean.Stores.Sqlite;
using Promethean.TestSupport;

namespace Promethean.Bench;

/// <summary>
/// Issue 6: generated notes without frontmatter through the frontmatter sentinel the way
/// <c>promethean sentinel run</c> drives it (lockstep script, real fs handlers, atomic writes), embeddings off so
/// the figure is the sentinel's own. Twice: 1,000 notes with the builtin provider (after a warm-up pass), and 400 notes with a loopback
/// OpenAI-compatible model that answers each call in 300 ms with 8 calls in flight (the ceiling is 8 / 0.3 s =
/// 26.7 notes/s); the loopback model answers what the builtin would, so both runs do the same validation and writes.
/// </summary>
public sealed class SentinelScenario : IScenario
{
    private const int Notes = 1000;
    private const int WarmupNotes = 200;
    private const int ModelNotes = 400;
    private static readonly TimeSpan ModelLatency = TimeSpan.FromMilliseconds(300);

    public string Name => "sentinel";

    public IReadOnlyList<Metric> Run()
    {
        // The daemon is long-running: the first notes of a fresh process pay for JIT compilation (most of the CPU
        // of a 2-second run on 2 cores) and the tokenizer's vocabulary load. A first pass warms up; its rate is
        // reported too, as what a one-shot `promethean sentinel run` pays.
        var cold = Sentinel(WarmupNotes, null);
        var builtin = Sentinel(Notes, null);
        var server = LoopbackLlmServer.StartAsync().GetAwaiter().GetResult();
        (double Seconds, long Ticks) model;
        try
        {
            for (var i = 0; i < ModelNotes * 2; i++)
                server.Chat.Enqueue(request => ScriptedReply.Chat(FrontmatterHeuristics.Answer(ChatOf(request.Body))).After(ModelLatency));
            model = Sentinel(ModelNotes, server);
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return
        [
            new Metric("sentinel_notes_per_s_builtin", Notes / builtin.Seconds, "notes/s", ">= 500",
                string.Create(CultureInfo.InvariantCulture, $"{Notes} notes, all done in {builtin.Seconds:0.00} s ({builtin.Ticks} ticks), after a first pass of {WarmupNotes} notes in the same process (cold: {WarmupNotes / cold.Seconds:0} notes/s); read, builtin answer, validate, atomic durable write per note; load average {LoadAverage()}")),
            new Metric("sentinel_notes_per_s_300ms_model", ModelNotes / model.Seconds, "notes/s", ">= 20 (limit 26.7)",
                string.Create(CultureInfo.InvariantCulture, $"{ModelNotes} notes, all done in {model.Seconds:0.00} s ({model.Ticks} ticks); loopback OpenAI-compatible server answering each chat in 300 ms, 8 calls in flight; load average {LoadAverage()}")),
        ];
    }

    /// <summary>Runs <paramref name="count"/> fresh notes through the sentinel; with a server, chats go to it.</summary>
    private static (double Seconds, long Ticks) Sentinel(int count, LoopbackLlmServer? server)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"promethean-bench-sentinel-{Environment.ProcessId}-{count}");
        if (Directory.Exists(dir))
            Directory.Delete(dir, recursive: true);
        var notes = Path.Combine(dir, "notes");
        Directory.CreateDirectory(notes);
        var events = new List<Event>();
        for (var i = 0; i < count; i++)
        {
            var text = string.Create(CultureInfo.InvariantCulture,
                $"# Note {i} about topic {i % 37}\n\nThis note records decision {i}. It links to the {i % 11} runbook.\n\n```sh\nmake step-{i % 5}\n```\n");
            var relative = $"notes/n{i:0000}.md";
            File.WriteAllText(Path.Combine(dir, relative), text);
            events.Add(new FsFileCreated(relative, PathGuard.HashOf(text), text.Length));
        }

        var settings = new Dictionary<string, string?>
        {
            ["Fs:BaseDirectory"] = dir,
            ["Fs:Roots:0"] = "notes",
            ["Sentinel:DebounceMs"] = "0",
            ["Memory:EmbedEndpoint"] = "",
            ["Engine:StatusEverySeconds"] = "0",
            ["Engine:MaxInFlightPerType"] = "8",
        };
        if (server is not null)
        {
            settings["Llm:Endpoints:loop:BaseUrl"] = server.BaseUrl;
            settings["Llm:Endpoints:loop:Model"] = LoopbackLlmServer.ModelId;
            settings["Sentinel:Endpoint"] = "loop";
        }
        var config = ConfigLoader.Load(null, settings);
        config.Sentinel.Paths = ["notes/**/*.md"];
        var guard = new PathGuard(dir, config.Fs.Roots, config.Fs.MaxFileBytes);
        using var router = new Llm.LlmRouter(config.Llm, NullLoggerFactory.Instance, [new Llm.Builtin.FrontmatterResponder()]);
        var dispatcher = new EffectDispatcher(
            [new FsReadHandler(guard), new FsWriteHandler(guard), new TimerWakeHandler(TimeProvider.System), new Llm.LlmChatHandler(router), new Llm.LlmEmbedHandler(router)],
            config.Engine.MaxInFlightPerType, TimeSpan.FromSeconds(60), NullLogger.Instance);
        double seconds;
        int done;
        long ticks;
        using (var store = SqliteStore.Open(Path.Combine(dir, "bench.db")))
        {
            var engine = new Engine(store, Schedule.Systems, dispatcher, config.Engine, TimeProvider.System, NullLogger.Instance);
            engine.Open(Genesis.Build(config));
            var started = Stopwatch.GetTimestamp();
            engine.RunScriptAsync([new ScriptLine(1_800_000_000_000, [.. events])], CancellationToken.None).GetAwaiter().GetResult();
            seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            done = engine.World.Sentinels.Values.Count(s => s.State == Core.Components.SentinelState.Done);
            ticks = engine.World.Tick;
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
        if (done != count)
            throw new InvalidOperationException($"only {done} of {count} notes finished as done");
        return (seconds, ticks);
    }

    /// <summary>The chat the sentinel sent, rebuilt from the request body, for the answer the builtin would give.</summary>
    private static LlmChat ChatOf(string body)
    {
        var messages = JsonNode.Parse(body)!["messages"]!.AsArray()
            .Select(m => new ChatMessage(m!["role"]!.GetValue<string>(), m["content"]?.GetValue<string>() ?? ""))
            .ToList();
        return new LlmChat("loop", "", [.. messages], []);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
