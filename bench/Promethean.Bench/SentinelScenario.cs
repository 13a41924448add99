using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core;
using Promethean.Core.Events;
using Promethean.Runtime;
using Promethean.Runtime.Config;
using Promethean.Runtime.Handlers;
using Promethean.Stores.Sqlite;

namespace Promethean.Bench;

/// <summary>
/// Issue 6: 1,000 generated notes without frontmatter through the frontmatter sentinel with the
/// builtin provider, the way <c>promethean sentinel run</c> drives it (lockstep script, real fs
/// handlers, atomic writes). Embeddings are off so the figure is the sentinel's own.
/// </summary>
public sealed class SentinelScenario : IScenario
{
    private const int Notes = 1000;

    public string Name => "sentinel";

    public IReadOnlyList<Metric> Run()
    {
        var dir = Path.Combine(Path.GetTempPath(), "promethean-bench-sentinel-" + Environment.ProcessId);
        if (Directory.Exists(dir))
            Directory.Delete(dir, recursive: true);
        var notes = Path.Combine(dir, "notes");
        Directory.CreateDirectory(notes);
        var events = new List<Event>();
        for (var i = 0; i < Notes; i++)
        {
            var text = string.Create(CultureInfo.InvariantCulture,
                $"# Note {i} about topic {i % 37}\n\nThis note records decision {i}. It links to the {i % 11} runbook.\n\n```sh\nmake step-{i % 5}\n```\n");
            var relative = $"notes/n{i:0000}.md";
            File.WriteAllText(Path.Combine(dir, relative), text);
            events.Add(new FsFileCreated(relative, PathGuard.HashOf(text), text.Length));
        }

        var config = ConfigLoader.Load(null, new Dictionary<string, string?>
        {
            ["Fs:BaseDirectory"] = dir,
            ["Fs:Roots:0"] = "notes",
            ["Sentinel:DebounceMs"] = "0",
            ["Memory:EmbedEndpoint"] = "",
            ["Engine:StatusEverySeconds"] = "0",
        });
        config.Sentinel.Paths = ["notes/**/*.md"];
        var guard = new PathGuard(dir, config.Fs.Roots, config.Fs.MaxFileBytes);
        var dispatcher = new EffectDispatcher(
            [new FsReadHandler(guard), new FsWriteHandler(guard), new TimerWakeHandler(TimeProvider.System), .. Llm.LlmHandlers.Create(config.Llm, NullLoggerFactory.Instance)],
            config.Engine.MaxInFlightPerType, TimeSpan.FromSeconds(60), NullLogger.Instance);
        double seconds;
        int done;
        using (var store = SqliteStore.Open(Path.Combine(dir, "bench.db")))
        {
            var engine = new Engine(store, Schedule.Systems, dispatcher, config.Engine, TimeProvider.System, NullLogger.Instance);
            engine.Open(Genesis.Build(config));
            var started = Stopwatch.GetTimestamp();
            engine.RunScriptAsync([new ScriptLine(1_800_000_000_000, [.. events])], CancellationToken.None).GetAwaiter().GetResult();
            seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            done = engine.World.Sentinels.Values.Count(s => s.State == Core.Components.SentinelState.Done);
        }
        Directory.Delete(dir, recursive: true);
        if (done != Notes)
            throw new InvalidOperationException($"only {done} of {Notes} notes finished as done");
        return
        [
            new Metric("sentinel_notes_per_s_builtin", Notes / seconds, "notes/s", ">= 500",
                string.Create(CultureInfo.InvariantCulture, $"{Notes} notes, all done in {seconds:0.0} s; read, builtin answer, validate, atomic write-through per note")),
        ];
    }
}
