using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Promethean.Core.Events;
using Promethean.Runtime;
using Promethean.TestSupport.Discord;
using Xunit.Abstractions;

namespace Promethean.Discord.Tests;

/// <summary>
/// Issue 7 item 7: the daemon, as a child process in lockstep script mode with REST pointed at the fake
/// Discord in this process, posts a burst of 500 replies and is SIGKILLed 20 times during it. Pending
/// sends are re-dispatched on restart with the same effect id, hence the same nonce, so the fake (which
/// enforces nonces like Discord) must end with every reply exactly once.
/// </summary>
public sealed class ExactlyOnceKillTests(ITestOutputHelper output)
{
    private const int Replies = 500;
    private const int Kills = 20;
    private const int PerTick = 5;
    private const string TokenVariable = "PROMETHEAN_TEST_DISCORD_TOKEN";

    [Fact]
    public async Task Burst_KilledTwentyTimes_PostsEveryReplyExactlyOnce()
    {
        await using var fake = await FakeDiscord.StartAsync("kill-test-token.Zx9.secret");
        fake.Rest.Latency = TimeSpan.FromMilliseconds(8);
        var dir = Directory.CreateTempSubdirectory("promethean-discord-kill-").FullName;
        try
        {
            var script = WriteWorkspace(dir, fake);
            var random = new Random(20261125);
            var kills = 0;
            var runs = 0;
            while (kills < Kills && runs < Kills * 3)
            {
                runs++;
                var before = fake.Rest.Requests.Count;
                using var p = Start(dir, fake.Token, "run", "--script", script, "--config", "config.json", "--data-dir", "data");
                var stderr = p.StandardError.ReadToEndAsync();
                _ = p.StandardOutput.ReadToEndAsync();
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (!p.HasExited && fake.Rest.Requests.Count <= before && DateTime.UtcNow < deadline)
                    await Task.Delay(5);
                if (!p.WaitForExit(random.Next(0, 150)))
                {
                    p.Kill(); // SIGKILL: no handler runs, in-flight sends are cut wherever they are
                    if (fake.Rest.Messages.Count < Replies)
                        kills++;
                }
                await p.WaitForExitAsync();
                if (p.ExitCode == 0)
                    output.WriteLine($"run {runs} finished on its own: {await stderr}");
            }

            var (code, stdout, err) = await RunAsync(dir, fake.Token, "run", "--script", script, "--config", "config.json", "--data-dir", "data");
            code.ShouldBe(0, err);
            stdout.ShouldContain("script done");

            var messages = fake.Rest.Messages;
            output.WriteLine($"kills {kills} in {runs} runs; requests {fake.Rest.Requests.Count}; messages {messages.Count}; resends answered by nonce {fake.Rest.NonceHits}");
            kills.ShouldBe(Kills);
            messages.Count.ShouldBe(Replies);
            messages.Select(m => m.Content).Distinct().Count().ShouldBe(Replies, "a reply was posted twice");
            messages.Select(m => m.Content).Order(StringComparer.Ordinal)
                .ShouldBe(Enumerable.Range(0, Replies).Select(Reply).Order(StringComparer.Ordinal), "a reply was lost");
            messages.Select(m => m.Nonce).Distinct().Count().ShouldBe(Replies);

            (code, var status, err) = await RunAsync(dir, fake.Token, "status", "--json", "--data-dir", "data");
            code.ShouldBe(0, err);
            JsonDocument.Parse(status).RootElement.GetProperty("pendingEffects").GetInt32().ShouldBe(0);

            foreach (var file in Directory.EnumerateFiles(Path.Combine(dir, "data")))
                Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file)).ShouldNotContain(fake.Token, customMessage: $"token found in {file}");

            (code, var replay, err) = await RunAsync(dir, fake.Token, "replay", "--data-dir", "data");
            code.ShouldBe(0, replay + err);
            replay.ShouldContain("replay ok");
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static string Reply(int i) => $"reply {i:000}: the answer to message {i}";

    private static string WriteWorkspace(string dir, FakeDiscord fake)
    {
        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(new
        {
            Engine = new { StatusEverySeconds = 0, SnapshotEveryTicks = 25, RecordSystemTimes = false },
            Discord = new { TokenEnvironmentVariable = TokenVariable, RestBaseUrl = fake.RestBaseUrl.ToString() },
        }));
        var lines = Enumerable.Range(0, Replies / PerTick).Select(t => new ScriptLine(1_000 + t * 100,
            [.. Enumerable.Range(t * PerTick, PerTick).Select(i => (Event)new DiscordSendRequested($"80000000000000000{i % PerTick}", Reply(i)))]));
        var path = Path.Combine(dir, "burst.jsonl");
        File.WriteAllLines(path, lines.Select(l => l.ToJson()));
        return path;
    }

    /// <summary>
    /// The CLI in its own output folder: this test project runs on the ASP.NET Core shared framework (for
    /// the fake server), so the copy next to the tests lacks assemblies the CLI's own runtime config needs.
    /// </summary>
    private static string CliDll
    {
        get
        {
            var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var (framework, configuration) = (bin.Name, bin.Parent!.Name);
            var root = bin;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "global.json")))
                root = root.Parent;
            var dll = Path.Combine(root!.FullName, "src", "Promethean.Cli", "bin", configuration, framework, "promethean.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("build the CLI first", dll);
        }
    }

    private static Process Start(string cwd, string token, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(CliDll);
        foreach (var a in args)
            info.ArgumentList.Add(a);
        info.Environment[TokenVariable] = token;
        return Process.Start(info) ?? throw new InvalidOperationException("could not start the CLI");
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(string cwd, string token, params string[] args)
    {
        using var p = Start(cwd, token, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return (p.ExitCode, await stdout, await stderr);
    }
}
