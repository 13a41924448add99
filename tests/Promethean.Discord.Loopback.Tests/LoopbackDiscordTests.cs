using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Runtime.Handlers;

namespace Promethean.Discord.Loopback.Tests;

/// <summary>Our real Discord client (gateway + REST) against the loopback Discord, and the server's Discord behaviour by hand.</summary>
public sealed class LoopbackDiscordTests
{
    private const string General = "905000000000000011";
    private const string Dev = "905000000000000012";
    private static readonly DateTimeOffset T0 = new(2026, 3, 10, 9, 0, 0, TimeSpan.Zero);
    private static readonly LoopbackGuild Guild = new("905000000000000001", "quillpad", [new(General, "general"), new(Dev, "dev")]);

    private static HistoryMessage Said(string id, string channel, string author, string content, double seconds, bool bot = false) =>
        new(id, channel, "9051000000000000" + author.Length.ToString("00", System.Globalization.CultureInfo.InvariantCulture), author, bot, content,
            T0.AddSeconds(seconds), T0.AddSeconds(seconds), false);

    private static ChannelHistory SmallHistory()
    {
        var sync = Said("905300000000000001", General, "ada", "root cause of the sync failure: clock skew, fix is HLC (#482)", 0);
        return new ChannelHistory(Guild,
        [
            sync,
            Said("905300000000000002", Dev, "ci-bot", "✅ build #2841 passed on main", 10, bot: true),
            sync with { PlayAt = T0.AddSeconds(20), Redelivery = true },
            Said("905300000000000004", General, "grace", "Duck, what did ada say about the sync failure?", 30),
        ]);
    }

    [Fact]
    public async Task PlayAsync_RealClient_ReceivesEveryMessageAsDiscordMessageNew()
    {
        var history = SmallHistory();
        await using var server = await LoopbackDiscord.StartAsync(history);
        var logs = new CapturingLogs();
        using var factory = logs.Factory();
        using var client = server.CreateClient(factory);
        var inbound = Channel.CreateUnbounded<Event>();
        using var stop = new CancellationTokenSource();
        var run = client.Gateway(inbound.Writer).RunAsync(stop.Token);
        var played = new List<HistoryMessage>();
        server.MessagePlayed += played.Add;

        await server.PlayAsync(history, speed: 100, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var received = new List<DiscordMessageNew>();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            while (received.Count < history.Messages.Count)
                received.Add((DiscordMessageNew)await inbound.Reader.ReadAsync(timeout.Token));
        }
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        played.ShouldBe(history.Messages);
        received.Select(e => (e.MessageId, e.ChannelId, e.GuildId, e.AuthorId, e.AuthorName, e.AuthorIsBot, e.Content, e.TimestampMs)).ShouldBe(
            history.Messages.Select(m => (m.Id, m.ChannelId, (string?)Guild.Id, m.AuthorId, m.AuthorName, m.AuthorIsBot, m.Content, m.Timestamp.ToUnixTimeMilliseconds())));
        received[2].ShouldBe(received[0], "a re-delivery is the same message again, for the engine to dedupe");
        logs.All.ShouldContain("ready as Duck");
        logs.All.ShouldNotContain(server.Token);
    }

    [Fact]
    public async Task Send_ThroughTheHandler_IsPostedAndEchoedAsTheBotsOwnMessageCreate()
    {
        await using var server = await LoopbackDiscord.StartAsync(SmallHistory());
        using var factory = new CapturingLogs().Factory();
        using var client = server.CreateClient(factory);
        var inbound = Channel.CreateUnbounded<Event>();
        using var stop = new CancellationTokenSource();
        var run = client.Gateway(inbound.Writer).RunAsync(stop.Token);
        await server.Gateway.WaitForReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        await using var observer = await RawGatewayClient.ConnectAsync(server.GatewayUrl);
        var ready = await observer.IdentifyAsync(server.Token);
        var posted = new List<PostedMessage>();
        server.MessagePosted += posted.Add;

        var result = await ((IEffectHandler)client.SendHandler).HandleAsync(new DiscordSend(General, "ada said: clock skew, fixed by HLC in #482") { Id = "7-1" }, CancellationToken.None);
        var echo = (await observer.NextDispatchAsync("MESSAGE_CREATE"))["d"]!;
        await Task.Delay(300);
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        ready["d"]!["user"]!["id"]!.GetValue<string>().ShouldBe(server.BotUser.Id);
        var message = server.Posted.ShouldHaveSingleItem();
        posted.ShouldBe([message]);
        result.ShouldBeOfType<DiscordSendResult>().MessageIds.ShouldBe([message.Id]);
        (message.ChannelId, message.Content, message.Nonce, message.AllowedMentions).ShouldBe((General, "ada said: clock skew, fixed by HLC in #482", "7-1", """{"parse":[]}"""));
        echo["id"]!.GetValue<string>().ShouldBe(message.Id);
        echo["author"]!["id"]!.GetValue<string>().ShouldBe(server.BotUser.Id);
        echo["author"]!["bot"]!.GetValue<bool>().ShouldBeTrue();
        echo["content"]!.GetValue<string>().ShouldBe(message.Content);
        echo["nonce"]!.GetValue<string>().ShouldBe("7-1");
        echo["guild_id"]!.GetValue<string>().ShouldBe(Guild.Id);
        inbound.Reader.TryRead(out var own).ShouldBeFalse($"the client took its own message in: {own}");
    }

    [Fact]
    public async Task CreateMessage_SameNonceEnforced_ReturnsTheFirstMessageAndCreatesNothing()
    {
        await using var server = await LoopbackDiscord.StartAsync(SmallHistory());
        using var factory = new CapturingLogs().Factory();
        using var client = server.CreateClient(factory);

        var first = await client.Rest.CreateMessageAsync(ulong.Parse(General), "once", "12-0", [], CancellationToken.None);
        var again = await client.Rest.CreateMessageAsync(ulong.Parse(General), "once", "12-0", [], CancellationToken.None);
        var other = await client.Rest.CreateMessageAsync(ulong.Parse(General), "once", "12-1", [], CancellationToken.None);

        again.ShouldBe(first);
        other.ShouldNotBe(first);
        server.Posted.Select(m => m.Id).ShouldBe([first, other]);
        server.Rest.NonceHits.ShouldBe(1);
        ulong.Parse(other).ShouldBeGreaterThan(ulong.Parse(first));
    }

    [Fact]
    public async Task CreateMessage_NonceWithoutEnforce_CreatesADuplicateLikeDiscord()
    {
        await using var server = await LoopbackDiscord.StartAsync(SmallHistory());
        using var http = Http(server);

        for (var i = 0; i < 2; i++)
            (await Post(http, server, General, """{"content":"twice","nonce":"n-1"}""")).Status.ShouldBe(HttpStatusCode.OK);

        server.Posted.Count.ShouldBe(2);
        server.Rest.NonceHits.ShouldBe(0);
    }

    [Theory]
    [InlineData("too long", 400, 50035)]
    [InlineData("empty", 400, 50006)]
    [InlineData("long nonce", 400, 50035)]
    [InlineData("bad mentions", 400, 50035)]
    [InlineData("unknown channel", 404, 10003)]
    [InlineData("bad json", 400, 50109)]
    public async Task CreateMessage_InvalidRequest_IsRefusedWithDiscordsCode(string kind, int status, int code)
    {
        await using var server = await LoopbackDiscord.StartAsync(SmallHistory());
        using var http = Http(server);
        var body = kind switch
        {
            "too long" => new JsonObject { ["content"] = new string('a', 2001) }.ToJsonString(),
            "empty" => """{"content":"   "}""",
            "long nonce" => """{"content":"x","nonce":"12345678901234567890123456"}""",
            "bad mentions" => """{"content":"x","allowed_mentions":{"parse":["somebody"]}}""",
            "bad json" => """{"content":""",
            _ => """{"content":"x"}""",
        };

        var (answer, json) = await Post(http, server, kind == "unknown channel" ? "905000000000000099" : General, body);

        ((int)answer).ShouldBe(status);
        json["code"]!.GetValue<int>().ShouldBe(code);
        server.Posted.ShouldBeEmpty();
    }

    [Fact]
    public async Task CreateMessage_2000CodePointsOfEmoji_IsAcceptedAndABadTokenIsNot()
    {
        await using var server = await LoopbackDiscord.StartAsync(SmallHistory());
        using var http = Http(server);
        var emoji = string.Concat(Enumerable.Repeat("🦆", 2000));

        (await Post(http, server, General, new JsonObject { ["content"] = emoji }.ToJsonString())).Status.ShouldBe(HttpStatusCode.OK);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bot", "not-the-token");
        (await Post(http, server, General, """{"content":"x"}""")).Status.ShouldBe(HttpStatusCode.Unauthorized);
        server.Posted.ShouldHaveSingleItem().Content.ShouldBe(emoji);
    }

    [Fact]
    public async Task Resume_AfterADrop_ReplaysWhatTheClientMissedThenResumed()
    {
        var history = SmallHistory();
        await using var server = await LoopbackDiscord.StartAsync(history);
        var first = await RawGatewayClient.ConnectAsync(server.GatewayUrl);
        var ready = await first.IdentifyAsync(server.Token);
        var guild = (await first.NextDispatchAsync("GUILD_CREATE"))["d"]!;
        var seen = first.LastSeq;
        await first.CloseAsync(4000);
        await first.DisposeAsync();

        var play = server.PlayAsync(history, new PlayOptions { Speed = 1000, WaitForClient = false }, CancellationToken.None);
        await play.WaitAsync(TimeSpan.FromSeconds(10));
        await using var second = await RawGatewayClient.ConnectAsync(new Uri(ready["d"]!["resume_gateway_url"]!.GetValue<string>()));
        await second.SendAsync(new JsonObject { ["op"] = 6, ["d"] = new JsonObject { ["token"] = server.Token, ["session_id"] = ready["d"]!["session_id"]!.DeepClone(), ["seq"] = seen } });
        var replayed = new List<JsonObject>();
        for (var i = 0; i <= history.Messages.Count; i++)
            replayed.Add(await second.ReceiveAsync());

        guild["channels"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ShouldBe(["general", "dev"]);
        replayed.Select(p => p["t"]!.GetValue<string>()).ShouldBe([.. Enumerable.Repeat("MESSAGE_CREATE", history.Messages.Count), "RESUMED"]);
        replayed.Select(p => p["s"]!.GetValue<long>()).ShouldBe(Enumerable.Range(1, history.Messages.Count + 1).Select(i => seen + i));
        replayed.Take(history.Messages.Count).Select(p => p["d"]!["id"]!.GetValue<string>()).ShouldBe(history.Messages.Select(m => m.Id));
    }

    [Fact]
    public async Task Gateway_BadTokenOrUnknownSession_IsRefusedLikeDiscord()
    {
        await using var server = await LoopbackDiscord.StartAsync(SmallHistory());
        await using var bad = await RawGatewayClient.ConnectAsync(server.GatewayUrl);
        await bad.SendAsync(new JsonObject { ["op"] = 2, ["d"] = new JsonObject { ["token"] = "wrong", ["intents"] = 0 } });
        await using var stale = await RawGatewayClient.ConnectAsync(server.ResumeUrl);
        await stale.SendAsync(new JsonObject { ["op"] = 6, ["d"] = new JsonObject { ["token"] = server.Token, ["session_id"] = "session-404", ["seq"] = 3 } });

        (await bad.ReceiveAsync())["close"]!.GetValue<int>().ShouldBe(4004);
        var invalid = await stale.ReceiveAsync();
        invalid["op"]!.GetValue<int>().ShouldBe(9);
        invalid["d"]!.GetValue<bool>().ShouldBeFalse();
    }

    [Fact]
    public async Task PlayAsync_DividesPacingBySpeedCapsLongGapsAndRunsTheHistoryClock()
    {
        var history = new ChannelHistory(Guild,
        [
            Said("905300000000000001", General, "ada", "one", 0),
            Said("905300000000000002", General, "ada", "two", 10),
            Said("905300000000000003", General, "ada", "three", 369),
        ]);
        await using var server = await LoopbackDiscord.StartAsync(history);
        var clockAtPlay = new List<DateTimeOffset>();
        var playedAt = new List<TimeSpan>();
        var watch = Stopwatch.StartNew();
        server.MessagePlayed += _ =>
        {
            playedAt.Add(watch.Elapsed);
            clockAtPlay.Add(server.Now);
        };

        await server.PlayAsync(history, new PlayOptions { Speed = 10, MaxGap = TimeSpan.FromSeconds(2), WaitForClient = false }, CancellationToken.None);

        (playedAt[1] - playedAt[0]).ShouldBeInRange(TimeSpan.FromMilliseconds(950), TimeSpan.FromMilliseconds(1900)); // 10 s at speed 10
        (playedAt[2] - playedAt[1]).ShouldBeInRange(TimeSpan.FromMilliseconds(1950), TimeSpan.FromSeconds(10)); // 359 s at speed 10, capped at 2 s
        clockAtPlay.Zip(history.Messages).ShouldAllBe(p => p.First >= p.Second.PlayAt && p.First < p.Second.PlayAt.AddMinutes(1));
        server.Now.ShouldBeInRange(history.End, history.End.AddMinutes(5));
    }

    private static HttpClient Http(LoopbackDiscord server)
    {
        var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bot", server.Token);
        return http;
    }

    private static async Task<(HttpStatusCode Status, JsonObject Json)> Post(HttpClient http, LoopbackDiscord server, string channel, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri($"{server.RestBaseUrl}/channels/{channel}/messages"), content);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }
}
