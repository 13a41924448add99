using System.Collections.Immutable;
using System.Text.Json;
using Promethean.Cli;
using Promethean.Core.Events;
using Promethean.Runtime.Handlers;

namespace Promethean.Runtime.Tests;

/// <summary>
/// Crash safety (DESIGN 2): the daemon runs as a child process over a scripted input and is killed
/// with SIGKILL at random points, restarted each time; the end state must equal an unbroken run's.
/// The input makes file reads and local embeddings (effects whose outcomes are deterministic); the
/// sentinel is off because an LLM outcome carries its measured latency, which differs between runs.
/// </summary>
public sealed class KillTests
{
    private const int Kills = 22;
    private const int ScriptTicks = 400;

    private static long ScriptCursor(string db)
    {
        if (!File.Exists(db))
            return 0;
        try
        {
            using var store = Stores.Sqlite.SqliteStore.OpenReadOnly(db);
            return store.Cursor(Engine.ScriptCursor);
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return 0; // schema not created yet, or the file is mid-creation
        }
    }

    [Fact]
    public async Task Run_KilledAtRandomPoints_EndsIdenticalToAnUnbrokenRun()
    {
        using var dir = new TempDir();
        var script = WriteWorkspace(dir);

        var (code, _, err) = await Repo.RunCliAsync(dir.Path, "run", "--script", script, "--config", "config.json", "--data-dir", "unbroken");
        code.ShouldBe(0, err);
        var expected = await StatusAsync(dir.Path, "unbroken");

        var random = new Random(20261125);
        var killedMidRun = 0;
        var killedMidScript = 0;
        long lastCursor = 0;
        for (var i = 0; i < Kills; i++)
        {
            using var p = Repo.StartCli(dir.Path, "run", "--script", script, "--config", "config.json", "--data-dir", "killed");
            _ = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            // Kill at a random point after this run has committed at least one new tick.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!p.HasExited && ScriptCursor(dir.Combine("killed", "promethean.db")) <= lastCursor && DateTime.UtcNow < deadline)
                await Task.Delay(10);
            var exited = p.WaitForExit(random.Next(0, 250));
            if (!exited)
            {
                p.Kill(); // SIGKILL on Unix: no handler runs, no tick finishes politely
                killedMidRun++;
            }
            await p.WaitForExitAsync();
            var cursor = ScriptCursor(dir.Combine("killed", "promethean.db"));
            if (!exited && cursor > lastCursor && cursor < ScriptTicks)
                killedMidScript++;
            lastCursor = cursor;
        }
        (code, _, err) = await Repo.RunCliAsync(dir.Path, "run", "--script", script, "--config", "config.json", "--data-dir", "killed");
        code.ShouldBe(0, err);

        var actual = await StatusAsync(dir.Path, "killed");
        killedMidRun.ShouldBeGreaterThanOrEqualTo(20);
        killedMidScript.ShouldBeGreaterThanOrEqualTo(10, "too few kills landed while ticks were being committed");
        actual.GetProperty("tick").GetInt64().ShouldBe(expected.GetProperty("tick").GetInt64());
        actual.GetProperty("worldHash").GetString().ShouldBe(expected.GetProperty("worldHash").GetString());
        actual.GetProperty("memoryDigest").GetString().ShouldBe(expected.GetProperty("memoryDigest").GetString());
        actual.GetProperty("pendingEffects").GetInt32().ShouldBe(0);

        (code, var replayOut, err) = await Repo.RunCliAsync(dir.Path, "replay", "--data-dir", "killed");
        code.ShouldBe(0, replayOut + err);
        replayOut.ShouldContain("replay ok");
    }

    private static async Task<JsonElement> StatusAsync(string cwd, string dataDir)
    {
        var (code, output, err) = await Repo.RunCliAsync(cwd, "status", "--json", "--data-dir", dataDir);
        code.ShouldBe(0, err);
        return JsonDocument.Parse(output).RootElement;
    }

    /// <summary>Notes on disk plus a script: Discord traffic and file events that need fs/read effects.</summary>
    private static string WriteWorkspace(TempDir dir)
    {
        File.WriteAllText(dir.Combine("config.json"), """
            {
              "Engine": { "StatusEverySeconds": 0, "SnapshotEveryTicks": 50 },
              "Sentinel": { "Enabled": false },
              "Cephalons": [ { "Name": "Duck", "Sessions": [ { "Name": "janitor", "Role": "janitor", "EventTypes": [ "timer/tick" ] } ] } ]
            }
            """);
        var files = new List<FsFileCreated>();
        for (var i = 0; i < 40; i++)
        {
            var text = $"# Note {i}\n\nSome text about topic {i % 7}.\n";
            dir.Write($"docs/notes/n{i}.md", text);
            files.Add(new FsFileCreated($"docs/notes/n{i}.md", PathGuard.HashOf(text), text.Length));
        }
        var lines = DemoScript.Generate(ticks: ScriptTicks, seed: 11).Select((line, i) => i % 10 == 5 && i / 10 < files.Count
            ? line with { Events = line.Events.Add(files[i / 10]) }
            : line);
        var path = dir.Combine("script.jsonl");
        File.WriteAllLines(path, lines.Select(l => l.ToJson()));
        return path;
    }
}
