using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Promethean.Inspector.Tests;

public sealed class InspectorServerTests
{
    [Fact]
    public async Task StartAsync_NonLoopbackWithoutToken_Throws()
    {
        await using var run = await InspectorRun.StartAsync(serve: false);
        var error = await Should.ThrowAsync<InvalidOperationException>(() =>
            InspectorServer.StartAsync(run.Engine, run.DatabasePath, run.Systems, new InspectorOptions { Host = "0.0.0.0", Port = 0 }));
        error.Message.ShouldContain("--inspect-token");
    }

    [Fact]
    public async Task StartAsync_PortTaken_ThrowsNamingTheAddress()
    {
        await using var first = await InspectorRun.StartAsync();
        await using var second = await InspectorRun.StartAsync(serve: false);
        var error = await Should.ThrowAsync<InvalidOperationException>(() =>
            InspectorServer.StartAsync(second.Engine, second.DatabasePath, second.Systems, new InspectorOptions { Port = first.Server!.Address.Port }));
        error.Message.ShouldContain($"cannot listen on 127.0.0.1:{first.Server!.Address.Port}");
    }

    [Fact]
    public async Task Requests_WithToken_OnlyTheTokenGetsIn()
    {
        const string token = "s3cret-for-tests";
        await using var run = await InspectorRun.StartAsync(options: new InspectorOptions { Port = 0, Token = token });
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = run.Server!.Address };

        (await http.GetAsync("/api/state")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await http.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await http.GetAsync("/api/state?token=wrong")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        using var bearer = new HttpRequestMessage(HttpMethod.Get, "/api/state");
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        (await http.SendAsync(bearer)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var page = await http.GetAsync($"/?token={token}");
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        var cookie = page.Headers.GetValues("Set-Cookie").ShouldHaveSingleItem();
        cookie.ShouldStartWith(InspectorServer.TokenCookie + "=");
        cookie.ShouldContain("httponly");
        using var withCookie = new HttpRequestMessage(HttpMethod.Get, "/api/state");
        withCookie.Headers.Add("Cookie", cookie.Split(';')[0]);
        (await http.SendAsync(withCookie)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task State_AfterTicks_HasJournalSessionsAndTapsAndNoContextYet()
    {
        await using var run = await InspectorRun.StartAsync();
        await run.AdvanceAsync(2);
        using var http = new HttpClient { BaseAddress = run.Server!.Address };

        var state = JsonNode.Parse(await http.GetStringAsync("/api/state"))!;

        var tick = run.Engine.World.Tick;
        tick.ShouldBeGreaterThanOrEqualTo(2);
        state["tick"]!.GetValue<long>().ShouldBe(tick);
        state["journal"]!["committedTick"]!.GetValue<long>().ShouldBe(tick);
        state["journal"]!["worldHash"]!.GetValue<string>().ShouldBe(run.Engine.LastTick!.WorldHash);
        state["journal"]!["pendingOutbox"]!.GetValue<long>().ShouldBe(0);
        state["sessions"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()).ShouldContain("c3-symbolic");
        state["sessions"]!.AsArray().First()!["budgets"]!["tokensLeft"]!.GetValue<long>().ShouldBeGreaterThan(0);
        state["context"].ShouldBeNull();
        state["taps"]!["recent"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()).ShouldContain("after-memory-ingest");
        state["systemTimes"]!["history"]!.AsArray().Count.ShouldBe((int)tick);
    }

    [Fact]
    public async Task Stream_Connected_SendsPulseEvents()
    {
        await using var run = await InspectorRun.StartAsync();
        await run.AdvanceAsync(1);
        using var http = new HttpClient { BaseAddress = run.Server!.Address };
        using var response = await http.GetAsync("/api/stream", HttpCompletionOption.ResponseHeadersRead);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        (await reader.ReadLineAsync()).ShouldBe("event: pulse");
        var data = (await reader.ReadLineAsync())!;
        data.ShouldStartWith("data: ");
        JsonNode.Parse(data["data: ".Length..])!["tick"]!.GetValue<long>().ShouldBe(run.Engine.World.Tick);
    }
}
