using Microsoft.Extensions.Logging;
using Promethean.Cli;
using Promethean.Core.Components;
using Promethean.Core.Systems;
using Promethean.Runtime.Config;
using Promethean.TestSupport.Discord;

namespace Promethean.Discord.Tests;

/// <summary>The daemon connects to Discord only with a token, takes messages in through the engine, and stops on a fatal close.</summary>
public sealed class DaemonWiringTests
{
    private static (PrometheanConfig Config, string DataDir) Setup(FakeDiscord? fake, string variable)
    {
        var dataDir = Directory.CreateTempSubdirectory("promethean-discord-daemon-").FullName;
        var config = ConfigLoader.Load(null, new Dictionary<string, string?>
        {
            ["Engine:StatusEverySeconds"] = "0",
            ["Fs:BaseDirectory"] = dataDir,
            ["Discord:TokenEnvironmentVariable"] = variable,
            ["Discord:GatewayUrl"] = fake?.GatewayUrl.ToString() ?? "",
            ["Discord:RestBaseUrl"] = fake?.RestBaseUrl.ToString() ?? "https://discord.com/api/v10",
        });
        return (config, dataDir);
    }

    [Fact]
    public async Task Run_WithToken_TakesGatewayMessagesIntoTheWorldAndReplays()
    {
        await using var fake = await FakeDiscord.StartAsync();
        var variable = "PROMETHEAN_TEST_TOKEN_" + Guid.NewGuid().ToString("n");
        Environment.SetEnvironmentVariable(variable, fake.Token);
        var (config, dataDir) = Setup(fake, variable);
        var log = new CapturingLogger();
        using var logs = LoggerFactory.Create(b => b.AddProvider(new CapturingProvider(log)));
        using var stop = new CancellationTokenSource();
        using var daemon = new Daemon(Path.Combine(dataDir, "data"), config, logs);

        var run = daemon.RunAsync(stop.Token);
        var c = await fake.Gateway.NextConnectionAsync();
        await c.NextAsync(2);
        for (var i = 0; i < 20; i++)
            await c.SendMessageCreateAsync($"5000000000000001{i:00}", "800000000000000001", "300000000000000042", $"hello daemon {i}");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && DebugStatsSystem.CountersOf(daemon.Engine.World).Values.GetValueOrDefault("events.in.discord.message/new") < 20)
            await Task.Delay(20);
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        DebugStatsSystem.CountersOf(daemon.Engine.World).Values.GetValueOrDefault("events.in.discord.message/new").ShouldBe(20);
        daemon.Store.MemoryCount.ShouldBeGreaterThan(0);
        Runtime.Replayer.Replay(daemon.Store, Promethean.Core.Schedule.Systems).Ok.ShouldBeTrue("a replay of the Discord run diverged");
        log.All.ShouldNotContain(fake.Token);
        Environment.SetEnvironmentVariable(variable, null);
    }

    [Fact]
    public async Task Run_AddressedQuestion_IsAnsweredFromMemoryThroughTheToolLoop_AndTheRunReplays()
    {
        await using var fake = await FakeDiscord.StartAsync();
        var variable = "PROMETHEAN_TEST_TOKEN_" + Guid.NewGuid().ToString("n");
        Environment.SetEnvironmentVariable(variable, fake.Token);
        var (config, dataDir) = Setup(fake, variable);
        using var logs = LoggerFactory.Create(_ => { });
        using var stop = new CancellationTokenSource();
        using var daemon = new Daemon(Path.Combine(dataDir, "data"), config, logs);

        var run = daemon.RunAsync(stop.Token);
        var c = await fake.Gateway.NextConnectionAsync();
        await c.NextAsync(2);
        await c.SendMessageCreateAsync("500000000000000201", "800000000000000002", "300000000000000042",
            "The vault sync breaks because the lock file is held by two editors at once.");
        await c.SendMessageCreateAsync("500000000000000202", "800000000000000001", "300000000000000043", "lunch anyone?");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && daemon.Store.MemoryCount < 2)
            await Task.Delay(20);
        await c.SendMessageCreateAsync("500000000000000203", "800000000000000001", "300000000000000044", "Duck, what did we find about the vault sync lock?");
        while (DateTime.UtcNow < deadline && fake.Rest.Messages.Count == 0)
            await Task.Delay(20);
        // Settle: the reply's own memory is written on the tick after its send result.
        while (DateTime.UtcNow < deadline && daemon.Store.MemoryKinds(0).All(k => k.Kind != TranscriptEntry.Reply))
            await Task.Delay(20);
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        var reply = fake.Rest.Messages.ShouldHaveSingleItem("one question, one answer; the chatter stays unanswered");
        reply.ChannelId.ShouldBe("800000000000000001");
        reply.Content.ShouldContain("lock file is held by two editors");
        reply.Nonce.ShouldNotBeNullOrEmpty();
        reply.AllowedMentions.ShouldContain("\"parse\":[]");
        var counters = DebugStatsSystem.CountersOf(daemon.Engine.World).Values;
        counters.GetValueOrDefault("events.out.tool/result").ShouldBeGreaterThanOrEqualTo(1, "the builtin model searched its memory first");
        daemon.Store.MemoryKinds(0).Select(k => k.Kind).ShouldContain(TranscriptEntry.ToolResult);
        Runtime.Replayer.Replay(daemon.Store, Promethean.Core.Schedule.Systems).Ok.ShouldBeTrue("a replay of the Discord session run diverged");
        Environment.SetEnvironmentVariable(variable, null);
    }

    [Fact]
    public async Task Run_FatalClose_StopsTheDaemonWithTheReason()
    {
        await using var fake = await FakeDiscord.StartAsync();
        var variable = "PROMETHEAN_TEST_TOKEN_" + Guid.NewGuid().ToString("n");
        Environment.SetEnvironmentVariable(variable, "not-" + fake.Token);
        var (config, dataDir) = Setup(fake, variable);
        using var logs = LoggerFactory.Create(_ => { });
        using var daemon = new Daemon(Path.Combine(dataDir, "data"), config, logs);

        var e = await Should.ThrowAsync<DiscordGatewayFatalException>(() => daemon.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));

        e.CloseCode.ShouldBe(4004);
        e.Message.ShouldContain("authentication failed");
        Environment.SetEnvironmentVariable(variable, null);
    }

    [Fact]
    public async Task Run_WithoutToken_ConnectsNowhere()
    {
        await using var fake = await FakeDiscord.StartAsync();
        var (config, dataDir) = Setup(fake, "PROMETHEAN_TEST_TOKEN_UNSET_" + Guid.NewGuid().ToString("n"));
        var log = new CapturingLogger();
        using var logs = LoggerFactory.Create(b => b.AddProvider(new CapturingProvider(log)));
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        using var daemon = new Daemon(Path.Combine(dataDir, "data"), config, logs);

        await daemon.RunAsync(stop.Token);

        fake.Gateway.ConnectionCount.ShouldBe(0);
        fake.Rest.Requests.ShouldBeEmpty();
        log.All.ShouldContain("Discord off");
    }

    private sealed class CapturingProvider(CapturingLogger logger) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void Dispose()
        {
        }
    }
}
