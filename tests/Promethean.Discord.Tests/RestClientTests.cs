using System.Net;
using System.Text.Json.Nodes;
using Promethean.TestSupport.Discord;

namespace Promethean.Discord.Tests;

/// <summary>DISCORD.md, REST: headers, buckets, 429 per route and global, the global cap, 5xx, 401/403, other 4xx.</summary>
public sealed class RestClientTests
{
    private const ulong Channel = 800000000000000001;

    [Fact]
    public async Task CreateMessage_Always_SendsBotAuthorizationUserAgentAndApiV10Path()
    {
        await using var fake = await FakeDiscord.StartAsync();
        var rest = Clients.Rest(fake);

        var id = await rest.CreateMessageAsync(Channel, "hello", "5-0", [], CancellationToken.None);

        var request = fake.Rest.Requests.ShouldHaveSingleItem();
        request.Path.ShouldBe($"channels/{Channel}/messages");
        request.Authorization.ShouldBe("Bot " + fake.Token);
        request.UserAgent!.ShouldStartWith("DiscordBot (");
        request.UserAgent.ShouldMatch(@"^DiscordBot \(\S+, [^)]+\)$");
        id.ShouldBe(FakeRest.FirstMessageId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task CreateMessage_TokenConfiguredWithBotPrefix_SendsPrefixOnce()
    {
        await using var fake = await FakeDiscord.StartAsync();
        var rest = Clients.Rest(fake, token: "Bot " + fake.Token);

        await rest.CreateMessageAsync(Channel, "hello", "5-0", [], CancellationToken.None);

        fake.Rest.Requests.ShouldHaveSingleItem().Authorization.ShouldBe("Bot " + fake.Token);
    }

    [Fact]
    public async Task CreateMessage_BucketExhausted_WaitsForResetWithoutA429()
    {
        await using var fake = await FakeDiscord.StartAsync();
        fake.Rest.BucketLimit = 2;
        fake.Rest.BucketWindow = TimeSpan.FromMilliseconds(300);
        var rest = Clients.Rest(fake);

        for (var i = 0; i < 7; i++)
            await rest.CreateMessageAsync(Channel, $"m{i}", $"1-{i}", [], CancellationToken.None);

        fake.Rest.Messages.Count.ShouldBe(7);
        fake.Rest.BucketViolations.ShouldBe(0);
        fake.Rest.Requests.ShouldAllBe(r => r.Status == 200);
    }

    [Fact]
    public async Task CreateMessage_RouteRateLimited_HonorsRetryAfterAndRetriesTheSameRequest()
    {
        await using var fake = await FakeDiscord.StartAsync();
        fake.Rest.Enqueue(FakeResponse.RateLimited(0.25));
        var rest = Clients.Rest(fake);

        await rest.CreateMessageAsync(Channel, "once", "2-0", [], CancellationToken.None);

        var requests = fake.Rest.Requests;
        requests.Count.ShouldBe(2);
        requests[0].Status.ShouldBe(429);
        requests[1].Body.ShouldBe(requests[0].Body);
        (requests[1].At - requests[0].At).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(240));
        fake.Rest.Messages.ShouldHaveSingleItem().Content.ShouldBe("once");
    }

    [Fact]
    public async Task CreateMessage_GloballyRateLimited_PausesEveryRouteThenRetries()
    {
        await using var fake = await FakeDiscord.StartAsync();
        fake.Rest.Enqueue(FakeResponse.RateLimited(0.3, global: true));
        var rest = Clients.Rest(fake);

        var first = rest.CreateMessageAsync(Channel, "a", "3-0", [], CancellationToken.None);
        // "b" goes out once the client knows of the global limit: a request sent before the 429 came back cannot wait
        // for it (a fixed 50 ms delay here was too short once on a busy machine, and "b" went through at once).
        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        while (rest.Limits.GlobalPauseUntil == DateTimeOffset.MinValue && DateTimeOffset.UtcNow < deadline && !first.IsCompleted)
            await Task.Delay(5);
        rest.Limits.GlobalPauseUntil.ShouldBeGreaterThan(DateTimeOffset.MinValue, "the client saw the global 429");
        var other = rest.CreateMessageAsync(Channel + 1, "b", "3-1", [], CancellationToken.None);
        await Task.WhenAll(first, other);

        var requests = fake.Rest.Requests;
        requests[0].Status.ShouldBe(429);
        var after = requests.Skip(1).ToList();
        after.Count.ShouldBe(2);
        after.ShouldAllBe(r => r.Status == 200 && r.At - requests[0].At >= TimeSpan.FromMilliseconds(280));
        fake.Rest.Messages.Select(m => m.Content).Order().ShouldBe(["a", "b"]);
    }

    [Fact]
    public async Task Requests_ManyAtOnce_NeverExceedTheGlobalPerSecondCap()
    {
        await using var fake = await FakeDiscord.StartAsync();
        var rest = Clients.Rest(fake, globalPerSecond: 8);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            rest.CreateMessageAsync(Channel + (ulong)i, $"m{i}", $"4-{i}", [], CancellationToken.None)));

        var times = fake.Rest.Requests.Select(r => r.At).Order().ToList();
        times.Count.ShouldBe(20);
        // The client spaces sends: any window of 9 consecutive requests spans at least (almost) a second.
        for (var i = 8; i < times.Count; i++)
            (times[i] - times[i - 8]).ShouldBeGreaterThan(TimeSpan.FromMilliseconds(800));
    }

    /// <summary>
    /// Discord counts a request when it arrives, which can be late (a cold connection, a busy machine): a request keeps
    /// its place in the global window until a second after its answer, so a slow batch cannot arrive next to the
    /// following one. The fake answers after 300 ms and records the answer time, so a request arrived 300 ms earlier.
    /// </summary>
    [Fact]
    public async Task Requests_SlowAnswers_HoldTheirPlaceInTheGlobalWindowUntilASecondAfter()
    {
        await using var fake = await FakeDiscord.StartAsync();
        fake.Rest.Latency = TimeSpan.FromMilliseconds(300);
        var rest = Clients.Rest(fake, globalPerSecond: 4);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            rest.CreateMessageAsync(Channel + 100 + (ulong)i, $"s{i}", $"5-{i}", [], CancellationToken.None)));

        var answered = fake.Rest.Requests.Select(r => r.At).Order().ToList();
        answered.Count.ShouldBe(8);
        for (var i = 4; i < answered.Count; i++)
            (answered[i] - fake.Rest.Latency - answered[i - 4]).ShouldBeGreaterThan(TimeSpan.FromMilliseconds(950));
    }

    [Fact]
    public async Task CreateMessage_ServerErrorsThenSuccess_RetriesWithinTheBound()
    {
        await using var fake = await FakeDiscord.StartAsync();
        fake.Rest.Enqueue(FakeResponse.ServerError(502), 2);
        var rest = Clients.Rest(fake, serverRetries: 3);

        await rest.CreateMessageAsync(Channel, "x", "6-0", [], CancellationToken.None);

        fake.Rest.Requests.Select(r => r.Status).ShouldBe([502, 502, 200]);
    }

    [Fact]
    public async Task CreateMessage_ServerErrorsPersist_FailsRetryableAfterBoundedAttempts()
    {
        await using var fake = await FakeDiscord.StartAsync();
        fake.Rest.Enqueue(FakeResponse.ServerError(503), 10);
        var rest = Clients.Rest(fake, serverRetries: 3);

        var e = await Should.ThrowAsync<DiscordApiException>(() => rest.CreateMessageAsync(Channel, "x", "6-1", [], CancellationToken.None));

        e.Retryable.ShouldBeTrue();
        e.Status.ShouldBe(HttpStatusCode.ServiceUnavailable);
        fake.Rest.Requests.Count.ShouldBe(4);
    }

    [Fact]
    public async Task CreateMessage_ServerUnreachable_FailsRetryableAfterBoundedAttempts()
    {
        var fake = await FakeDiscord.StartAsync();
        var rest = Clients.Rest(fake, serverRetries: 2);
        await fake.DisposeAsync();

        var e = await Should.ThrowAsync<DiscordApiException>(() => rest.CreateMessageAsync(Channel, "x", "6-2", [], CancellationToken.None));

        e.Retryable.ShouldBeTrue();
        e.Status.ShouldBeNull();
        e.Message.ShouldContain("after 3 attempts");
    }

    [Theory]
    [InlineData(401, 0, "401: Unauthorized")]
    [InlineData(403, 50013, "Missing Permissions")]
    public async Task CreateMessage_AuthError_IsNeverRetried(int status, int code, string message)
    {
        await using var fake = await FakeDiscord.StartAsync();
        fake.Rest.Enqueue(FakeResponse.Error(status, code, message));
        var rest = Clients.Rest(fake);

        var e = await Should.ThrowAsync<DiscordApiException>(() => rest.CreateMessageAsync(Channel, "x", "7-0", [], CancellationToken.None));

        e.Retryable.ShouldBeFalse();
        e.Code.ShouldBe(code);
        e.Message.ShouldContain(message);
        fake.Rest.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task CreateMessage_After401_SendsNothingMore()
    {
        await using var fake = await FakeDiscord.StartAsync();
        var rest = Clients.Rest(fake, token: "wrong-token");

        await Should.ThrowAsync<DiscordApiException>(() => rest.CreateMessageAsync(Channel, "x", "8-0", [], CancellationToken.None));
        var again = await Should.ThrowAsync<DiscordApiException>(() => rest.CreateMessageAsync(Channel, "y", "8-1", [], CancellationToken.None));

        again.Retryable.ShouldBeFalse();
        fake.Rest.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task CreateMessage_OtherClientError_ReportsDiscordCodeAndMessage()
    {
        await using var fake = await FakeDiscord.StartAsync();
        fake.Rest.Enqueue(FakeResponse.Error(400, 50035, "Invalid Form Body"));
        var rest = Clients.Rest(fake);

        var e = await Should.ThrowAsync<DiscordApiException>(() => rest.CreateMessageAsync(Channel, "x", "9-0", [], CancellationToken.None));

        e.Code.ShouldBe(50035);
        e.Retryable.ShouldBeFalse();
        e.Message.ShouldContain("50035");
        e.Message.ShouldContain("Invalid Form Body");
        fake.Rest.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task GetGatewayUrl_Always_ReturnsTheAdvertisedUrl()
    {
        await using var fake = await FakeDiscord.StartAsync();

        var url = await Clients.Rest(fake).GetGatewayUrlAsync(CancellationToken.None);

        url.ShouldBe(fake.GatewayUrl);
    }

    [Theory]
    [InlineData("POST", "channels/123/messages", "POST /channels/123/messages")]
    [InlineData("DELETE", "channels/123/messages/456", "DELETE /channels/123/messages/{id}")]
    [InlineData("GET", "gateway/bot", "GET /gateway/bot")]
    public void RouteOf_Path_KeepsOnlyTheMajorParameter(string method, string path, string route) =>
        DiscordRestClient.RouteOf(new HttpMethod(method), path).ShouldBe(route);

    [Fact]
    public async Task CreateMessage_Body_HasNonceEnforceNonceAndAllowedMentions()
    {
        await using var fake = await FakeDiscord.StartAsync();

        await Clients.Rest(fake).CreateMessageAsync(Channel, "hi @everyone", "10-0", [], CancellationToken.None);

        var body = JsonNode.Parse(fake.Rest.Requests.ShouldHaveSingleItem().Body)!;
        body["nonce"]!.GetValue<string>().ShouldBe("10-0");
        body["enforce_nonce"]!.GetValue<bool>().ShouldBeTrue();
        body["allowed_mentions"]!.ToJsonString().ShouldBe("""{"parse":[]}""");
    }
}
