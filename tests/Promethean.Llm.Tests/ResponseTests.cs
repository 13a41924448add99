using Promethean.Core.Context;
using Promethean.TestSupport;

namespace Promethean.Llm.Tests;

/// <summary>OPENAI_COMPAT.md "Responses": tool-call shapes, finish reasons, empty choices, reasoning, usage, malformed bodies.</summary>
public sealed class ResponseTests
{
    [Fact]
    public async Task Chat_NormalReply_CarriesTextFinishUsageModelEndpointAndMeta()
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.Chat("Hello there.", model: "served-model"));
        var chat = LlmHarness.Chat() with { Meta = System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty.Add("session", "3") };
        var response = await h.ChatOkAsync(chat);
        response.EffectId.ShouldBe("7-0");
        response.Text.ShouldBe("Hello there.");
        response.FinishReason.ShouldBe("stop");
        response.Usage.ShouldBe(new Core.Events.LlmUsage(11, 7, false));
        response.Model.ShouldBe("served-model");
        response.Endpoint.ShouldBe(LlmHarness.Endpoint);
        response.Meta["session"].ShouldBe("3");
        response.LatencyMs.ShouldBeGreaterThanOrEqualTo(0);
        h.Server.Requests.Single().Json!["model"]!.GetValue<string>().ShouldBe("loopback-model");
    }

    [Fact]
    public async Task Chat_ToolCallWithoutId_GetsDeterministicId()
    {
        await using var h = await LlmHarness.StartAsync();
        const string calls = """[{"type":"function","function":{"name":"search","arguments":"{\"q\":\"cats\"}"}}]""";
        h.Server.Chat.Enqueue(ScriptedReply.ToolCalls(calls)).Enqueue(ScriptedReply.ToolCalls(calls));
        var first = await h.ChatOkAsync(LlmHarness.Chat());
        var again = await h.ChatOkAsync(LlmHarness.Chat());
        var call = first.ToolCalls.ShouldHaveSingleItem();
        call.Id.ShouldBe(ChatResponseParser.DeterministicId("7-0", 0));
        call.Id.ShouldStartWith("call_");
        again.ToolCalls.Single().Id.ShouldBe(call.Id);
        call.Name.ShouldBe("search");
        call.Arguments.ShouldBe("""{"q":"cats"}""");
        call.ArgumentsError.ShouldBeNull();
        first.FinishReason.ShouldBe("tool_calls");
        first.Notes.ShouldContain(n => n.Contains("had no id"));
    }

    [Fact]
    public async Task Chat_ToolCallIdsFromServer_AreKept()
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.ToolCalls("""[{"id":"call_abc","type":"function","function":{"name":"a","arguments":"{}"}},{"id":"call_def","type":"function","function":{"name":"b","arguments":"{}"}}]"""));
        var response = await h.ChatOkAsync(LlmHarness.Chat());
        response.ToolCalls.Select(c => c.Id).ShouldBe(["call_abc", "call_def"]);
    }

    [Fact]
    public async Task Chat_ArgumentsAsObject_BecomeJsonString()
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.ToolCalls("""[{"id":"c1","function":{"name":"search","arguments":{"q":"cats","n":3}}}]"""));
        var call = (await h.ChatOkAsync(LlmHarness.Chat())).ToolCalls.ShouldHaveSingleItem();
        call.Arguments.ShouldBe("""{"q":"cats","n":3}""");
        call.ArgumentsError.ShouldBeNull();
    }

    [Fact]
    public async Task Chat_ArgumentsInvalidJson_KeptVerbatimWithErrorForTheModel()
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.ToolCalls("""[{"id":"c1","type":"function","function":{"name":"search","arguments":"{\"q\": \"cats\""}}]"""));
        var response = await h.ChatOkAsync(LlmHarness.Chat());
        var call = response.ToolCalls.ShouldHaveSingleItem();
        call.Arguments.ShouldBe("""{"q": "cats" """.TrimEnd());
        call.ArgumentsError.ShouldNotBeNull().ShouldContain("not valid JSON");
        response.Notes.ShouldContain(n => n.Contains("invalid JSON arguments"));
    }

    [Fact]
    public async Task Chat_ArgumentsMissingOrEmpty_BecomeEmptyObject()
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.ToolCalls("""[{"id":"c1","function":{"name":"now"}},{"id":"c2","function":{"name":"now","arguments":""}}]"""));
        var calls = (await h.ChatOkAsync(LlmHarness.Chat())).ToolCalls;
        calls.Select(c => c.Arguments).ShouldBe(["{}", "{}"]);
    }

    [Fact]
    public async Task Chat_LegacyFunctionCall_ReadAsToolCall()
    {
        await using var h = await LlmHarness.StartAsync();
        var message = new System.Text.Json.Nodes.JsonObject
        {
            ["role"] = "assistant",
            ["content"] = null,
            ["function_call"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "search", ["arguments"] = "{}" },
        };
        h.Server.Chat.Enqueue(ScriptedReply.Completion(message, "function_call", true, "m"));
        var response = await h.ChatOkAsync(LlmHarness.Chat());
        response.ToolCalls.ShouldHaveSingleItem().Name.ShouldBe("search");
        response.FinishReason.ShouldBe("tool_calls");
    }

    [Theory]
    [InlineData("stop", "stop")]
    [InlineData("length", "length")]
    [InlineData("eos", "stop")]
    [InlineData("something_new", "unknown")]
    public async Task Chat_FinishReasonVariants_Normalized(string raw, string expected)
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.Chat("x", finishReason: raw));
        var response = await h.ChatOkAsync(LlmHarness.Chat());
        response.FinishReason.ShouldBe(expected);
        if (expected == "unknown")
            response.Notes.ShouldContain(n => n.Contains("'something_new' not recognised"));
    }

    [Fact]
    public async Task Chat_FinishReasonMissingOrNull_InferredAndNoted()
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.Chat("x", finishReason: null));
        h.Server.Chat.Enqueue(ScriptedReply.Json(200, """{"choices":[{"index":0,"message":{"role":"assistant","content":"y"},"finish_reason":null}]}"""));
        h.Server.Chat.Enqueue(ScriptedReply.ToolCalls("""[{"id":"c1","function":{"name":"a","arguments":"{}"}}]""", finishReason: null));
        var missing = await h.ChatOkAsync(LlmHarness.Chat());
        var isNull = await h.ChatOkAsync(LlmHarness.Chat());
        var withTools = await h.ChatOkAsync(LlmHarness.Chat());
        missing.FinishReason.ShouldBe("stop");
        missing.Notes.ShouldContain(n => n.StartsWith("finish_reason missing", StringComparison.Ordinal));
        isNull.FinishReason.ShouldBe("stop");
        isNull.Text.ShouldBe("y");
        withTools.FinishReason.ShouldBe("tool_calls");
    }

    [Theory]
    [InlineData("""{"id":"x","choices":[]}""")]
    [InlineData("""{"id":"x"}""")]
    [InlineData("""{"id":"x","choices":null}""")]
    public async Task Chat_EmptyOrMissingChoices_ErrorEventNamingIt(string body)
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.Json(200, body));
        var error = await h.ChatErrorAsync(LlmHarness.Chat());
        error.Message.ShouldContain("no choices");
        h.Server.RequestCount.ShouldBe(1);
    }

    [Theory]
    [InlineData("{\"choices\": [")]
    [InlineData("<html>bad gateway</html>")]
    [InlineData("[1,2]")]
    [InlineData("""{"choices":[null]}""")]
    [InlineData("""{"choices":["text"]}""")]
    public async Task Chat_MalformedJson_ErrorEventWithSnippet(string body)
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.Json(200, body));
        var error = await h.ChatErrorAsync(LlmHarness.Chat());
        error.Message.ShouldContain("not");
        error.Message.ShouldContain(body[..5]);
        error.Retryable.ShouldBeTrue();
    }

    [Theory]
    [InlineData("<think>plan it</think>The answer is 4.", "The answer is 4.")]
    [InlineData("plan it, no opening tag</think>\n\nThe answer is 4.", "The answer is 4.")]
    [InlineData("<think>a</think>mid <think>b mentions </think> inside</think> final", "final")]
    [InlineData("<think>never closed, ran out of tokens", "")]
    [InlineData("No reasoning here.", "No reasoning here.")]
    public async Task Chat_ThinkTags_StrippedThroughLastClosingTag(string content, string expected)
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.Chat(content));
        var response = await h.ChatOkAsync(LlmHarness.Chat());
        response.Text.ShouldBe(expected);
        response.Text.ShouldNotContain("think>");
    }

    [Fact]
    public async Task Chat_ReasoningContentField_KeptOutOfText()
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.Chat("Four.", reasoningContent: "2+2 is 4, say it briefly"));
        var response = await h.ChatOkAsync(LlmHarness.Chat());
        response.Text.ShouldBe("Four.");
        response.Notes.ShouldContain("reasoning came in reasoning_content");
    }

    [Fact]
    public async Task Chat_ContentAsParts_Concatenated()
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.Json(200, """{"choices":[{"message":{"role":"assistant","content":[{"type":"text","text":"Hel"},{"type":"text","text":"lo"}]},"finish_reason":"stop"}]}"""));
        (await h.ChatOkAsync(LlmHarness.Chat())).Text.ShouldBe("Hello");
    }

    [Fact]
    public async Task Chat_UsageMissing_EstimatedWithTokenizerAndMarked()
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat.Enqueue(ScriptedReply.Chat("A reply of several tokens.", usage: false));
        var chat = LlmHarness.Chat("Count my tokens, please.");
        var response = await h.ChatOkAsync(chat);
        response.Usage.Estimated.ShouldBeTrue();
        var tokens = TokenCounter.For("loopback-model");
        response.Usage.PromptTokens.ShouldBe(tokens.CountMessages(chat.Messages));
        response.Usage.CompletionTokens.ShouldBe(tokens.Count("A reply of several tokens."));
        response.Notes.ShouldContain(n => n.StartsWith("usage not reported", StringComparison.Ordinal));
    }
}
