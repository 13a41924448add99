using System.Text.Json.Nodes;
using Promethean.Core.Events;
using Promethean.Llm.Http;
using Promethean.Runtime.Config;
using Promethean.TestSupport;

namespace Promethean.Llm.Tests;

/// <summary>OPENAI_COMPAT.md "Requests": base URL, max tokens field, tool_choice, tools fallback, timeouts and cancellation.</summary>
public sealed class RequestTests
{
    [Fact]
    public async Task Chat_BaseUrlWithTrailingSlash_CallsV1ChatCompletions()
    {
        await using var h = await LlmHarness.StartAsync(e => e.BaseUrl += "/");
        var response = await h.ChatOkAsync(LlmHarness.Chat());
        response.Text.ShouldBe("ok");
        h.Server.Requests.ShouldHaveSingleItem().Path.ShouldBe("/v1/chat/completions");
    }

    [Fact]
    public async Task Chat_BaseUrlWithoutV1Gets404_ErrorSaysToAddV1()
    {
        await using var server = await LoopbackLlmServer.StartAsync();
        await using var h = await LlmHarness.StartAsync(baseUrl: server.RootUrl);
        var error = await h.ChatErrorAsync(LlmHarness.Chat());
        error.Message.ShouldContain("HTTP 404");
        error.Message.ShouldContain("404 page not found");
        error.Message.ShouldContain($"try '{server.RootUrl}/v1'");
        error.Retryable.ShouldBeFalse();
        server.RequestCount.ShouldBe(1);
    }

    [Fact]
    public async Task Chat_AutoParameterOnLocalHost_SendsMaxTokens()
    {
        await using var h = await LlmHarness.StartAsync(e => e.MaxOutputTokens = 321);
        await h.ChatOkAsync(LlmHarness.Chat());
        var body = h.Server.Requests.Single().Json!;
        body["max_tokens"]!.GetValue<int>().ShouldBe(321);
        body.ContainsKey("max_completion_tokens").ShouldBeFalse();
    }

    [Fact]
    public async Task Chat_MaxCompletionTokensConfigured_SendsMaxCompletionTokensWithEffectCap()
    {
        await using var h = await LlmHarness.StartAsync(e => e.MaxTokensParameter = MaxTokensParameter.MaxCompletionTokens);
        await h.ChatOkAsync(LlmHarness.Chat() with { MaxOutputTokens = 77 });
        var body = h.Server.Requests.Single().Json!;
        body["max_completion_tokens"]!.GetValue<int>().ShouldBe(77);
        body.ContainsKey("max_tokens").ShouldBeFalse();
    }

    [Theory]
    [InlineData("https://api.openai.com/v1", "max_completion_tokens")]
    [InlineData("http://localhost:11434/v1", "max_tokens")]
    [InlineData("http://gpu-box:8000/v1", "max_tokens")]
    public void MaxTokensField_AutoByHost_PicksOpenAiOrLocalName(string baseUrl, string expected)
    {
        using var http = new HttpClient();
        var client = new OpenAiClient("x", new LlmEndpointConfig { BaseUrl = baseUrl, Model = "m" }, http, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        client.MaxTokensField.ShouldBe(expected);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("auto")]
    public async Task Chat_DefaultToolChoice_IsOmitted(string? choice)
    {
        await using var h = await LlmHarness.StartAsync();
        await h.ChatOkAsync(LlmHarness.Chat(tools: [LlmHarness.SearchTool], toolChoice: choice));
        var body = h.Server.Requests.Single().Json!;
        body.ContainsKey("tool_choice").ShouldBeFalse();
        var tool = body["tools"]!.AsArray().ShouldHaveSingleItem()!;
        tool["type"]!.GetValue<string>().ShouldBe("function");
        tool["function"]!["name"]!.GetValue<string>().ShouldBe("search");
        tool["function"]!["parameters"]!["properties"]!["q"]!["type"]!.GetValue<string>().ShouldBe("string");
    }

    [Fact]
    public async Task Chat_ExplicitToolChoice_IsSentAsStringOrFunctionObject()
    {
        await using var h = await LlmHarness.StartAsync();
        await h.ChatOkAsync(LlmHarness.Chat(tools: [LlmHarness.SearchTool], toolChoice: "required"));
        await h.ChatOkAsync(LlmHarness.Chat(tools: [LlmHarness.SearchTool], toolChoice: "search"));
        var bodies = h.Server.Requests.Select(r => r.Json!).ToList();
        bodies[0]["tool_choice"]!.GetValue<string>().ShouldBe("required");
        bodies[1]["tool_choice"]!["function"]!["name"]!.GetValue<string>().ShouldBe("search");
    }

    [Fact]
    public async Task Chat_400NamingTools_RetriesWithoutToolsAndRecordsIt()
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.Json(400,
            """{"object":"error","message":"\"auto\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set","type":"BadRequestError","code":400}"""));
        var response = await h.ChatOkAsync(LlmHarness.Chat(tools: [LlmHarness.SearchTool]));
        response.Text.ShouldBe("ok");
        response.Notes.ShouldContain(n => n.StartsWith("tools dropped", StringComparison.Ordinal) && n.Contains("enable-auto-tool-choice"));
        var requests = h.Server.Requests;
        requests.Count.ShouldBe(2);
        requests[0].Json!.ContainsKey("tools").ShouldBeTrue();
        requests[1].Json!.ContainsKey("tools").ShouldBeFalse();

        var next = await h.ChatOkAsync(LlmHarness.Chat(tools: [LlmHarness.SearchTool], id: "8-0"));
        next.Notes.ShouldContain(n => n.StartsWith("tools not sent", StringComparison.Ordinal));
        h.Server.Requests.Count.ShouldBe(3);
        h.Server.Requests[2].Json!.ContainsKey("tools").ShouldBeFalse();
    }

    [Fact]
    public async Task Chat_400NotAboutTools_FailsWithoutRetry()
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.Json(400, """{"error":{"message":"messages must alternate"}}"""));
        var error = await h.ChatErrorAsync(LlmHarness.Chat(tools: [LlmHarness.SearchTool]));
        error.Message.ShouldContain("messages must alternate");
        h.Server.RequestCount.ShouldBe(1);
    }

    [Fact]
    public async Task Chat_SupportsToolsFalse_SendsNoTools()
    {
        await using var h = await LlmHarness.StartAsync(e => e.SupportsTools = false);
        var response = await h.ChatOkAsync(LlmHarness.Chat(tools: [LlmHarness.SearchTool], toolChoice: "required"));
        h.Server.Requests.Single().Json!.ContainsKey("tools").ShouldBeFalse();
        h.Server.Requests.Single().Json!.ContainsKey("tool_choice").ShouldBeFalse();
        response.Notes.ShouldContain(n => n.Contains("SupportsTools is false"));
    }

    [Fact]
    public async Task Chat_MessagesWithToolCallsAndResults_SentInOpenAiShape()
    {
        await using var h = await LlmHarness.StartAsync();
        var chat = LlmHarness.Chat() with
        {
            Messages =
            [
                new("user", "find cats"),
                new("assistant", "", ToolCalls: [new ToolCall("call_1", "search", """{"q":"cats"}""")]),
                new("tool", "3 results", ToolCallId: "call_1", Name: "search"),
            ],
        };
        await h.ChatOkAsync(chat);
        var messages = h.Server.Requests.Single().Json!["messages"]!.AsArray();
        messages[1]!["tool_calls"]![0]!["function"]!["arguments"]!.GetValue<string>().ShouldBe("""{"q":"cats"}""");
        messages[1]!["tool_calls"]![0]!["id"]!.GetValue<string>().ShouldBe("call_1");
        messages[2]!["tool_call_id"]!.GetValue<string>().ShouldBe("call_1");
        messages[2]!["role"]!.GetValue<string>().ShouldBe("tool");
    }

    [Fact]
    public async Task Chat_ReplySlowerThanTimeout_ErrorsRetryableAndAbortsRequest()
    {
        await using var h = await LlmHarness.StartAsync(e => e.TimeoutSeconds = 1.5);
        h.Server.Chat.Enqueue(ScriptedReply.Chat("late").After(TimeSpan.FromSeconds(20)));
        var error = await h.ChatErrorAsync(LlmHarness.Chat());
        error.Message.ShouldContain("did not answer");
        error.Message.ShouldContain("1.5 s");
        error.Retryable.ShouldBeTrue();
        h.Server.RequestCount.ShouldBe(1);
        await Eventually(() => h.Server.AbortedCount == 1);
    }

    [Fact]
    public async Task Chat_DispatcherTimeoutShorterThanEndpoint_CancelsTheHttpRequest()
    {
        await using var h = await LlmHarness.StartAsync(dispatcherTimeout: TimeSpan.FromSeconds(1.5));
        h.Server.Chat.Enqueue(ScriptedReply.Chat("late").After(TimeSpan.FromSeconds(20)));
        var error = (await h.DispatchAsync(LlmHarness.Chat())).ShouldBeOfType<EffectError>();
        error.Message.ShouldContain("timed out");
        await Eventually(() => h.Server.AbortedCount == 1);
    }

    [Fact]
    public async Task Chat_Cancelled_AbortsHttpRequest()
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.Chat("late").After(TimeSpan.FromSeconds(20)));
        using var cts = new CancellationTokenSource();
        var endpoint = h.Router.ForChat(LlmHarness.Endpoint);
        var call = endpoint.Chat!.ChatAsync(LlmHarness.Chat(), "m", cts.Token);
        await Eventually(() => h.Server.RequestCount == 1);
        await cts.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(call);
        await Eventually(() => h.Server.AbortedCount == 1);
    }

    internal static async Task Eventually(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
            await Task.Delay(25);
        condition().ShouldBeTrue();
    }
}
