using System.Text.Json.Nodes;
using Promethean.Core.Events;
using Promethean.TestSupport.Discord;

namespace Promethean.Discord.Tests;

/// <summary>DISCORD.md, gateway: every point scripted against the loopback fake gateway.</summary>
public sealed class GatewayTests
{
    private const string Alice = "300000000000000042";
    private const string Channel = "800000000000000001";
    private static readonly int[] IdentifyOrResume = [2, 6];

    [Fact]
    public async Task Run_FromGatewayBot_ConnectsWithVersionAndEncoding()
    {
        await using var h = await GatewayHarness.StartAsync(viaGatewayBot: true);

        var c = await h.Fake.Gateway.NextConnectionAsync();

        c.Path.ShouldBe("/gateway");
        c.Query.ShouldBe("?v=10&encoding=json");
        h.Fake.Rest.Requests.ShouldContain(r => r.Path == "gateway/bot" && r.Authorization == "Bot " + h.Fake.Token);
    }

    [Fact]
    public async Task Identify_Always_SendsRawTokenAndTheFourIntents()
    {
        await using var h = await GatewayHarness.StartAsync();
        var c = await h.Fake.Gateway.NextConnectionAsync();

        var identify = await c.NextAsync(2);

        identify["d"]!["token"]!.GetValue<string>().ShouldBe(h.Fake.Token);
        identify["d"]!["intents"]!.GetValue<int>().ShouldBe(1 | 1 << 9 | 1 << 12 | 1 << 15);
    }

    [Fact]
    public async Task Heartbeat_AfterDispatch_CarriesTheLastSequence()
    {
        await using var h = await GatewayHarness.StartAsync(f => f.Gateway.HeartbeatInterval = TimeSpan.FromMilliseconds(150));
        var c = await h.Fake.Gateway.NextConnectionAsync();
        await c.NextAsync(2);

        var seq = await c.SendDispatchAsync("TYPING_START", new JsonObject { ["channel_id"] = Channel });
        await c.NextAsync(1);
        var heartbeat = await c.NextAsync(1);

        heartbeat["d"]!.GetValue<long>().ShouldBe(seq);
    }

    [Fact]
    public async Task Heartbeat_BeforeAnyDispatch_CarriesNull()
    {
        await using var h = await GatewayHarness.StartAsync(f =>
        {
            f.Gateway.AutoReady = false;
            f.Gateway.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
        });
        var c = await h.Fake.Gateway.NextConnectionAsync();

        var heartbeat = await c.NextAsync(1);

        heartbeat.ContainsKey("d").ShouldBeTrue();
        heartbeat["d"].ShouldBeNull();
    }

    [Fact]
    public async Task Heartbeat_FirstOne_ComesAfterAJitteredFractionOfTheInterval()
    {
        // With a 2 s interval, 6 connections' first heartbeats land spread over the interval, not all at once.
        var delays = new List<double>();
        await using var h = await GatewayHarness.StartAsync(f => f.Gateway.HeartbeatInterval = TimeSpan.FromSeconds(2));
        for (var i = 0; i < 6; i++)
        {
            var c = await h.Fake.Gateway.NextConnectionAsync();
            await c.NextOfAsync(IdentifyOrResume);
            var started = DateTimeOffset.UtcNow;
            await c.NextAsync(1, TimeSpan.FromSeconds(10));
            delays.Add((DateTimeOffset.UtcNow - started).TotalMilliseconds);
            await c.CloseAsync(4000);
        }

        delays.ShouldAllBe(d => d < 2000 + 1000);
        (delays.Max() - delays.Min()).ShouldBeGreaterThan(50);
    }

    [Fact]
    public async Task Heartbeat_NoAck_ClosesWithNon1000AndResumesOnTheResumeUrl()
    {
        await using var h = await GatewayHarness.StartAsync(f => f.Gateway.HeartbeatInterval = TimeSpan.FromMilliseconds(100));
        var first = await h.Fake.Gateway.NextConnectionAsync();
        await first.NextAsync(2);
        var seq = await first.SendMessageCreateAsync("500000000000000001", Channel, Alice, "before the drop");
        first.AckHeartbeats = false;

        var code = await first.ClientClosed.WaitAsync(TimeSpan.FromSeconds(20));
        var second = await h.Fake.Gateway.NextConnectionAsync();
        var resume = await second.NextOfAsync(IdentifyOrResume);

        code.ShouldNotBeNull();
        code.Value.ShouldNotBeOneOf(1000, 1001);
        resume["op"]!.GetValue<int>().ShouldBe(6);
        resume["d"]!["session_id"]!.GetValue<string>().ShouldBe(h.Fake.Gateway.LastSessionId);
        resume["d"]!["seq"]!.GetValue<long>().ShouldBe(seq);
        resume["d"]!["token"]!.GetValue<string>().ShouldBe(h.Fake.Token);
        second.Path.ShouldBe("/resume");
        second.Query.ShouldBe("?v=10&encoding=json");
    }

    [Fact]
    public async Task Heartbeat_NoAck_ButTheServerClosesWithAFatalCode_StopsWithoutReconnecting()
    {
        // The client gives up on a connection whose heartbeats go unanswered and closes it, while the server's own
        // close, with a fatal code, crosses it on the wire: the server's word wins, and the client does not come back.
        await using var h = await GatewayHarness.StartAsync(f =>
        {
            f.Gateway.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
            f.Gateway.AnswerClientCloseWith = 4004;
        });
        var c = await h.Fake.Gateway.NextConnectionAsync();
        await c.NextAsync(2);
        c.AckHeartbeats = false;

        var e = await Should.ThrowAsync<DiscordGatewayFatalException>(() => h.Run.WaitAsync(TimeSpan.FromSeconds(20)));
        e.CloseCode.ShouldBe(4004);
        (await c.ClientClosed.WaitAsync(TimeSpan.FromSeconds(5))).ShouldNotBeNull();
        h.Fake.Gateway.ConnectionCount.ShouldBe(1);
    }

    [Fact]
    public async Task Op1_FromServer_SendsAHeartbeatAtOnce()
    {
        await using var h = await GatewayHarness.StartAsync(f => f.Gateway.HeartbeatInterval = TimeSpan.FromMinutes(10));
        var c = await h.Fake.Gateway.NextConnectionAsync();
        await c.NextAsync(2);

        await c.SendOpAsync(1, null);

        (await c.NextAsync(1, TimeSpan.FromSeconds(10))).ShouldNotBeNull();
    }

    [Fact]
    public async Task Op1_Flood_AllHeartbeatsGoThroughOneWriter()
    {
        // Timed heartbeats interleave with the 200 answers; 250 ms (not less) so that on a loaded CI machine a late
        // ACK is not taken for a zombie link, which would move the client to a new connection mid-count.
        await using var h = await GatewayHarness.StartAsync(f => f.Gateway.HeartbeatInterval = TimeSpan.FromMilliseconds(250));
        var c = await h.Fake.Gateway.NextConnectionAsync();
        await c.NextAsync(2);

        await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => c.SendOpAsync(1, null)));
        await c.SendMessageCreateAsync("500000000000000002", Channel, Alice, "still alive");

        (await h.NextEventAsync()).ShouldBeOfType<DiscordMessageNew>().Content.ShouldBe("still alive");
        // The client answered every op 1 before reading the message; give the fake time to count them.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (c.Heartbeats < 200 && DateTime.UtcNow < deadline)
            await Task.Delay(10);
        c.Heartbeats.ShouldBeGreaterThanOrEqualTo(200);
        h.Fake.Gateway.ConnectionCount.ShouldBe(1);
    }

    [Fact]
    public async Task Op7_Reconnect_ResumesWithoutA1000Close()
    {
        await using var h = await GatewayHarness.StartAsync();
        var first = await h.Fake.Gateway.NextConnectionAsync();
        await first.NextAsync(2);
        await first.SendDispatchAsync("GUILD_CREATE", new JsonObject());

        await first.SendOpAsync(7, null);

        var code = await first.ClientClosed.WaitAsync(TimeSpan.FromSeconds(20));
        code.ShouldNotBeNull();
        code.Value.ShouldNotBeOneOf(1000, 1001);
        var second = await h.Fake.Gateway.NextConnectionAsync();
        (await second.NextOfAsync(IdentifyOrResume))["op"]!.GetValue<int>().ShouldBe(6);
    }

    [Fact]
    public async Task Op9_Resumable_Resumes()
    {
        await using var h = await GatewayHarness.StartAsync();
        var first = await h.Fake.Gateway.NextConnectionAsync();
        await first.NextAsync(2);

        await first.SendOpAsync(9, true);

        var second = await h.Fake.Gateway.NextConnectionAsync();
        (await second.NextOfAsync(IdentifyOrResume))["op"]!.GetValue<int>().ShouldBe(6);
    }

    [Fact]
    public async Task Op9_NotResumable_WaitsThenIdentifiesAnew()
    {
        await using var h = await GatewayHarness.StartAsync();
        var first = await h.Fake.Gateway.NextConnectionAsync();
        await first.NextAsync(2);

        var sent = DateTimeOffset.UtcNow;
        await first.SendOpAsync(9, false);

        var second = await h.Fake.Gateway.NextConnectionAsync();
        (await second.NextOfAsync(IdentifyOrResume))["op"]!.GetValue<int>().ShouldBe(2);
        (DateTimeOffset.UtcNow - sent).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(50));
        second.Path.ShouldBe("/gateway");
    }

    [Theory]
    [InlineData(4004)]
    [InlineData(4010)]
    [InlineData(4011)]
    [InlineData(4012)]
    [InlineData(4013)]
    [InlineData(4014)]
    public async Task Close_FatalCode_StopsWithAClearErrorAndNoReconnect(int code)
    {
        await using var h = await GatewayHarness.StartAsync();
        var c = await h.Fake.Gateway.NextConnectionAsync();
        await c.NextAsync(2);

        await c.CloseAsync(code);

        var e = await Should.ThrowAsync<DiscordGatewayFatalException>(() => h.Run.WaitAsync(TimeSpan.FromSeconds(20)));
        e.CloseCode.ShouldBe(code);
        e.Message.ShouldContain(code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        e.Message.ShouldContain("not reconnecting");
        h.Fake.Gateway.ConnectionCount.ShouldBe(1);
    }

    [Theory]
    [InlineData(4007)]
    [InlineData(4009)]
    public async Task Close_SessionInvalidCode_IdentifiesAnew(int code)
    {
        await using var h = await GatewayHarness.StartAsync();
        var first = await h.Fake.Gateway.NextConnectionAsync();
        await first.NextAsync(2);
        await first.SendDispatchAsync("GUILD_CREATE", new JsonObject());

        await first.CloseAsync(code);

        var second = await h.Fake.Gateway.NextConnectionAsync();
        (await second.NextOfAsync(IdentifyOrResume))["op"]!.GetValue<int>().ShouldBe(2);
        second.Path.ShouldBe("/gateway");
    }

    [Theory]
    [InlineData(4000)]
    [InlineData(4008)]
    [InlineData(1011)]
    public async Task Close_OtherCode_ReconnectsAndResumes(int code)
    {
        await using var h = await GatewayHarness.StartAsync();
        var first = await h.Fake.Gateway.NextConnectionAsync();
        await first.NextAsync(2);

        await first.CloseAsync(code);

        var second = await h.Fake.Gateway.NextConnectionAsync();
        (await second.NextOfAsync(IdentifyOrResume))["op"]!.GetValue<int>().ShouldBe(6);
    }

    [Fact]
    public async Task Close_RepeatedFailures_BackOffIncreasingly()
    {
        var options = Clients.GatewayOptions();
        await using var h = await GatewayHarness.StartAsync(f => f.Gateway.AutoReady = false, new DiscordGatewayOptions
        {
            ReconnectBackoff = TimeSpan.FromMilliseconds(100),
            ReconnectBackoffMax = TimeSpan.FromSeconds(5),
            IdentifyInterval = TimeSpan.Zero,
            HandshakeTimeout = options.HandshakeTimeout,
        });
        var times = new List<DateTimeOffset>();
        for (var i = 0; i < 5; i++)
        {
            var c = await h.Fake.Gateway.NextConnectionAsync();
            times.Add(DateTimeOffset.UtcNow);
            await c.NextAsync(2);
            await c.CloseAsync(4000);
        }

        // Backoff n waits at least half of 100 ms * 2^(n-1): 50, 100, 200, 400 ms.
        for (var i = 1; i < times.Count; i++)
            (times[i] - times[i - 1]).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(50 * Math.Pow(2, i - 1) - 5));
    }

    [Fact]
    public async Task Identify_Repeated_IsSpacedByTheIdentifyInterval()
    {
        await using var h = await GatewayHarness.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            var c = await h.Fake.Gateway.NextConnectionAsync();
            await c.NextAsync(2);
            await c.CloseAsync(4009);
        }

        var identifies = h.Fake.Gateway.Identifies;
        identifies.Count.ShouldBeGreaterThanOrEqualTo(3);
        for (var i = 1; i < identifies.Count; i++)
            (identifies[i] - identifies[i - 1]).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(200), "configured: 300 ms, measured at the server");
    }

    [Fact]
    public async Task MessageCreate_FragmentedFrames_IsReadWhole()
    {
        await using var h = await GatewayHarness.StartAsync();
        var c = await h.Fake.Gateway.NextConnectionAsync();
        await c.NextAsync(2);
        var long_ = string.Concat(Enumerable.Repeat("fragmented ", 300));

        await c.SendMessageCreateAsync("500000000000000003", Channel, Alice, long_, fragments: 7);

        (await h.NextEventAsync()).ShouldBeOfType<DiscordMessageNew>().Content.ShouldBe(long_);
    }

    [Fact]
    public async Task MessageCreate_HugeSnowflakes_ParseExactly()
    {
        await using var h = await GatewayHarness.StartAsync();
        var c = await h.Fake.Gateway.NextConnectionAsync();
        await c.NextAsync(2);

        // Above long.MaxValue, and 2^53 + 1 (where double math starts to round).
        await c.SendMessageCreateAsync("18446744073709551615", "9007199254740993", "9223372036854775809", "big ids");

        var m = (await h.NextEventAsync()).ShouldBeOfType<DiscordMessageNew>();
        m.MessageId.ShouldBe("18446744073709551615");
        m.ChannelId.ShouldBe("9007199254740993");
        m.AuthorId.ShouldBe("9223372036854775809");
    }

    [Fact]
    public async Task MessageCreate_OwnAndOthers_IgnoresOwnKeepsBotFlag()
    {
        await using var h = await GatewayHarness.StartAsync();
        var c = await h.Fake.Gateway.NextConnectionAsync();
        await c.NextAsync(2);

        await c.SendMessageCreateAsync("500000000000000010", Channel, FakeGateway.BotUserId, "my own reply");
        await c.SendMessageCreateAsync("500000000000000011", Channel, "400000000000000099", "beep from another bot", authorIsBot: true);
        await c.SendMessageCreateAsync("500000000000000012", Channel, Alice, "hi", guildId: null);

        var first = (await h.NextEventAsync()).ShouldBeOfType<DiscordMessageNew>();
        first.MessageId.ShouldBe("500000000000000011");
        first.AuthorIsBot.ShouldBeTrue();
        var second = (await h.NextEventAsync()).ShouldBeOfType<DiscordMessageNew>();
        second.AuthorIsBot.ShouldBeFalse();
        second.GuildId.ShouldBeNull();
        second.TimestampMs.ShouldBe(DateTimeOffset.Parse("2026-11-25T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());
        h.Inbound.Reader.Count.ShouldBe(0);
    }

    [Fact]
    public async Task MessageCreate_Malformed_IsSkippedAndTheConnectionStays()
    {
        await using var h = await GatewayHarness.StartAsync();
        var c = await h.Fake.Gateway.NextConnectionAsync();
        await c.NextAsync(2);

        await c.SendDispatchAsync("MESSAGE_CREATE", new JsonObject { ["id"] = "not-a-snowflake", ["channel_id"] = Channel, ["author"] = new JsonObject() });
        await c.SendMessageCreateAsync("500000000000000040", Channel, Alice, "after the bad one");

        (await h.NextEventAsync()).ShouldBeOfType<DiscordMessageNew>().Content.ShouldBe("after the bad one");
        h.Fake.Gateway.ConnectionCount.ShouldBe(1);
        h.Log.All.ShouldContain("malformed MESSAGE_CREATE");
    }

    [Fact]
    public async Task MessageCreate_EmptyContentFromOthers_IsDroppedAndWarnedOnce()
    {
        await using var h = await GatewayHarness.StartAsync();
        var c = await h.Fake.Gateway.NextConnectionAsync();
        await c.NextAsync(2);

        await c.SendMessageCreateAsync("500000000000000020", Channel, Alice, "");
        await c.SendMessageCreateAsync("500000000000000021", Channel, Alice, "");
        await c.SendMessageCreateAsync("500000000000000022", Channel, Alice, "with text");

        (await h.NextEventAsync()).ShouldBeOfType<DiscordMessageNew>().Content.ShouldBe("with text");
        h.Gateway.EmptyContentDropped.ShouldBe(2);
        h.Log.Lines.Count(l => l.Contains("Message Content intent", StringComparison.Ordinal)).ShouldBe(1);
    }

    [Fact]
    public async Task MessageCreate_ChannelFilter_TakesOnlyConfiguredChannels()
    {
        var options = Clients.GatewayOptions(new HashSet<ulong> { 800000000000000002 });
        await using var h = await GatewayHarness.StartAsync(options: options);
        var c = await h.Fake.Gateway.NextConnectionAsync();
        await c.NextAsync(2);

        await c.SendMessageCreateAsync("500000000000000030", Channel, Alice, "elsewhere");
        await c.SendMessageCreateAsync("500000000000000031", "800000000000000002", Alice, "here");

        (await h.NextEventAsync()).ShouldBeOfType<DiscordMessageNew>().Content.ShouldBe("here");
    }

    [Fact]
    public async Task Run_Stopped_ReturnsAndLogsNoToken()
    {
        var h = await GatewayHarness.StartAsync();
        var c = await h.Fake.Gateway.NextConnectionAsync();
        await c.NextAsync(2);
        await c.SendOpAsync(7, null);
        await (await h.Fake.Gateway.NextConnectionAsync()).NextAsync(6);

        await h.DisposeAsync();

        h.Run.IsCompletedSuccessfully.ShouldBeTrue();
        h.Log.All.ShouldNotContain(h.Fake.Token);
    }
}
