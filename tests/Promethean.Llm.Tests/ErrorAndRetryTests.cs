using System.Globalization;
using Promethean.Core.Events;
using Promethean.Llm.Http;
using Promethean.TestSupport;

namespace Promethean.Llm.Tests;

/// <summary>OPENAI_COMPAT.md error bodies, 429/503 with Retry-After and backoff, no retry on 400/401/404, secrets.</summary>
public sealed class ErrorAndRetryTests
{
    [Theory]
    [InlineData("""{"error":{"message":"model 'x' not found, try pulling it first","type":"api_error"}}""", "model 'x' not found, try pulling it first")]
    [InlineData("""{"error":"model is loading"}""", "model is loading")]
    [InlineData("""{"detail":"Invalid request: prompt too long"}""", "Invalid request: prompt too long")]
    [InlineData("""{"detail":[{"loc":["body","messages"],"msg":"field required"}]}""", """[{"loc":["body","messages"],"msg":"field required"}]""")]
    [InlineData("""{"object":"error","message":"vLLM says no"}""", "vLLM says no")]
    [InlineData("Internal error: CUDA out of memory", "Internal error: CUDA out of memory")]
    public async Task Chat_ErrorBodyShapes_ServerMessageVerbatimInError(string body, string expected)
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(body.StartsWith('{') ? ScriptedReply.Json(400, body) : ScriptedReply.Text(400, body));
        var error = await h.ChatErrorAsync(LlmHarness.Chat());
        error.Message.ShouldContain(expected);
        error.Message.ShouldContain("HTTP 400");
        error.EffectId.ShouldBe("7-0");
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(422)]
    public async Task Chat_ClientErrors_NotRetried(int status)
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.Json(status, """{"error":{"message":"no"}}"""));
        var error = await h.ChatErrorAsync(LlmHarness.Chat());
        error.Retryable.ShouldBeFalse();
        h.Server.RequestCount.ShouldBe(1);
    }

    [Fact]
    public async Task Chat_401_NamesTheKeyVariableNotTheKey()
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.Json(401, """{"error":{"message":"Invalid API key"}}"""));
        var error = await h.ChatErrorAsync(LlmHarness.Chat());
        error.Message.ShouldContain(LlmHarness.KeyEnv);
        error.Message.ShouldNotContain(LlmHarness.Key);
    }

    [Fact]
    public async Task Chat_429WithRetryAfterSeconds_WaitsAndSucceeds()
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.TooManyRequests("1"));
        var response = await h.ChatOkAsync(LlmHarness.Chat());
        response.Text.ShouldBe("ok");
        h.Server.RequestCount.ShouldBe(2);
        response.Notes.ShouldContain("attempt 1 got HTTP 429; retried after 1 s as Retry-After asked");
    }

    [Fact]
    public async Task Chat_503WithRetryAfterHttpDate_WaitsAndSucceeds()
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.RetryAfterDate(DateTimeOffset.UtcNow.AddSeconds(1)));
        var response = await h.ChatOkAsync(LlmHarness.Chat());
        response.Text.ShouldBe("ok");
        h.Server.RequestCount.ShouldBe(2);
        response.Notes.ShouldContain(n => n.StartsWith("attempt 1 got HTTP 503", StringComparison.Ordinal) && n.EndsWith("as Retry-After asked", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Chat_RetryAfterBeyondCap_FailsRetryableWithoutWaiting()
    {
        await using var h = await LlmHarness.StartAsync(e => e.MaxBackoffSeconds = 2);
        h.Server.Chat.Enqueue(ScriptedReply.TooManyRequests("3600"));
        var error = await h.ChatErrorAsync(LlmHarness.Chat());
        error.Retryable.ShouldBeTrue();
        error.Message.ShouldContain("retry after 3600 s");
        error.Message.ShouldContain("Rate limit reached");
        h.Server.RequestCount.ShouldBe(1);
    }

    [Fact]
    public async Task Chat_500ThenOk_RetriedWithBackoff()
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.Text(500, "boom")).Enqueue(ScriptedReply.Json(502, "{}"));
        var response = await h.ChatOkAsync(LlmHarness.Chat());
        response.Text.ShouldBe("ok");
        h.Server.RequestCount.ShouldBe(3);
        response.Notes.Count(n => n.StartsWith("attempt", StringComparison.Ordinal)).ShouldBe(2);
    }

    [Fact]
    public async Task Chat_Always503_StopsAfterMaxAttemptsWithServerMessage()
    {
        await using var h = await LlmHarness.StartAsync(e => e.MaxAttempts = 3);
        for (var i = 0; i < 5; i++)
            h.Server.Chat.Enqueue(ScriptedReply.Json(503, """{"error":{"message":"server overloaded"}}"""));
        var error = await h.ChatErrorAsync(LlmHarness.Chat());
        error.Retryable.ShouldBeTrue();
        error.Message.ShouldContain("server overloaded");
        error.Message.ShouldContain("after 3 attempts");
        h.Server.RequestCount.ShouldBe(3);
    }

    [Fact]
    public async Task Chat_ServerDown_RetriesThenErrorsNamingTheUrl()
    {
        var server = await LoopbackLlmServer.StartAsync();
        var url = server.BaseUrl;
        await server.DisposeAsync();
        await using var h = await LlmHarness.StartAsync(e => e.MaxAttempts = 2, baseUrl: url);
        var error = await h.ChatErrorAsync(LlmHarness.Chat());
        error.Message.ShouldContain("cannot reach endpoint 'loop'");
        error.Message.ShouldContain(url);
        error.Retryable.ShouldBeTrue();
    }

    [Theory]
    [InlineData("120", 120.0)]
    [InlineData("1.5", 1.5)]
    [InlineData("0", 0.0)]
    [InlineData("Wed, 25 Nov 2026 12:00:30 GMT", 30.0)]
    [InlineData("Wed, 25 Nov 2026 11:00:00 GMT", 0.0)]
    public void RetryAfter_SecondsOrHttpDate_Parsed(string value, double seconds)
    {
        var now = DateTimeOffset.Parse("2026-11-25T12:00:00Z", CultureInfo.InvariantCulture);
        RetryPolicy.Parse(value, now).ShouldBe(TimeSpan.FromSeconds(seconds));
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5")]
    public void RetryAfter_Garbage_Ignored(string value) =>
        RetryPolicy.Parse(value, DateTimeOffset.UnixEpoch).ShouldBeNull();

    [Fact]
    public void Backoff_AnyAttempt_BoundedAndGrowing()
    {
        var random = new Random(42);
        var max = TimeSpan.FromSeconds(30);
        for (var attempt = 1; attempt <= 30; attempt++)
        {
            var wait = RetryPolicy.Backoff(attempt, TimeSpan.FromMilliseconds(500), max, random);
            var ceiling = Math.Min(500 * Math.Pow(2, attempt - 1), max.TotalMilliseconds);
            wait.TotalMilliseconds.ShouldBeInRange(ceiling / 2, ceiling);
        }
    }

    [Fact]
    public async Task Secrets_KeyEchoedByServer_NeverInErrorsNotesOrLogs()
    {
        await using var h = await LlmHarness.StartAsync(e => e.MaxAttempts = 2);
        var echo = $$$"""{"error":{"message":"Incorrect API key provided: {{{LlmHarness.Key}}}. Header was Bearer {{{LlmHarness.Key}}}"}}""";
        h.Server.Chat.Enqueue(ScriptedReply.Json(503, echo)).Enqueue(ScriptedReply.Json(401, echo));
        var error = await h.ChatErrorAsync(LlmHarness.Chat());
        error.Message.ShouldContain("Incorrect API key provided");
        error.Message.ShouldNotContain(LlmHarness.Key);
        error.Message.ShouldNotContain("SECRET");

        h.Server.Chat.Enqueue(ScriptedReply.Json(503, echo));
        var ok = await h.ChatOkAsync(LlmHarness.Chat());
        string.Join("\n", ok.Notes).ShouldNotContain("SECRET");
        h.Logs.Lines.ShouldNotBeEmpty();
        string.Join("\n", h.Logs.Lines).ShouldNotContain("SECRET");
        var journal = Core.Serialization.CanonicalJson.SerializeToString(ok) + Core.Serialization.CanonicalJson.SerializeToString(error);
        journal.ShouldNotContain("SECRET");
    }

    [Fact]
    public async Task Secrets_KeyIsSentOnlyAsBearerHeader()
    {
        await using var h = await LlmHarness.StartAsync();
        await h.ChatOkAsync(LlmHarness.Chat());
        var request = h.Server.Requests.Single();
        request.Header("Authorization").ShouldBe("Bearer " + LlmHarness.Key);
        request.Body.ShouldNotContain(LlmHarness.Key);
    }

    [Fact]
    public void SecretRedactor_KeyShapedStrings_Masked()
    {
        var redactor = new SecretRedactor(["my-own-secret-value"]);
        redactor.Scrub("a my-own-secret-value b").ShouldBe($"a {SecretRedactor.Mask} b");
        redactor.Scrub("key sk-proj-abcdefgh12345678 used").ShouldNotContain("abcdefgh");
        redactor.Scrub("Authorization: Bearer abc.def-123456789").ShouldNotContain("abc.def");
    }

    [Fact]
    public async Task Chat_UnknownEndpoint_ErrorListsConfiguredOnes()
    {
        await using var h = await LlmHarness.StartAsync();
        var error = await h.ChatErrorAsync(LlmHarness.Chat(endpoint: "nope"));
        error.Message.ShouldContain("unknown LLM endpoint 'nope'");
        error.Message.ShouldContain("builtin");
        error.Message.ShouldContain("loop");
    }

    [Fact]
    public async Task Embed_OnChatOnlyEndpoint_ErrorSaysSo()
    {
        await using var h = await LlmHarness.StartAsync();
        var error = (await h.DispatchAsync(new Core.Effects.LlmEmbed("builtin", "", ["x"]) { Id = "1-0" })).ShouldBeOfType<EffectError>();
        error.Type.ShouldBe("llm/embed.error");
        error.Message.ShouldContain("does not do embeddings");
    }
}
