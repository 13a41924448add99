using System.Collections.Immutable;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Llm.Builtin;

namespace Promethean.Llm.Tests;

/// <summary>The offline builtin chat provider: deterministic summaries, responders by contract, scripted tool calls and malformed replies.</summary>
public sealed class BuiltinProviderTests
{
    private static LlmChat Chat(string contract = "", params ChatMessage[] messages) =>
        new("builtin", "", [.. messages], []) { Id = "4-2", Meta = contract.Length == 0 ? ImmutableSortedDictionary<string, string>.Empty : ImmutableSortedDictionary<string, string>.Empty.Add("contract", contract) };

    private static readonly ChatMessage[] Conversation =
    [
        new("system", "You are Duck."),
        new("user", "The garden needs watering tomorrow."),
        new("assistant", "Noted."),
        new("user", "Also the garden fence is broken.\nSecond line."),
    ];

    [Fact]
    public async Task Chat_DefaultResponder_DeterministicSummaryOfContext()
    {
        await using var h = await LlmHarness.StartAsync();
        var first = await h.ChatOkAsync(Chat("", Conversation));
        var second = await h.ChatOkAsync(Chat("", Conversation));
        first.Text.ShouldBe(second.Text);
        first.Text.ShouldStartWith("Summary of 4 message(s) (1 assistant, 1 system, 2 user).");
        first.Text.ShouldContain("Latest: \"Also the garden fence is broken.\"");
        first.Text.ShouldContain("Topics: garden");
        first.Text.ShouldContain("- The garden needs watering tomorrow.");
        first.Endpoint.ShouldBe("builtin");
        first.FinishReason.ShouldBe("stop");
        first.Usage.Estimated.ShouldBeTrue();
        first.Usage.PromptTokens.ShouldBeGreaterThan(0);
        h.Server.RequestCount.ShouldBe(0);
    }

    [Fact]
    public async Task Chat_ContractResponder_ChosenByMetaContract()
    {
        await using var h = await LlmHarness.StartAsync(responders: [new Fixed("frontmatter/v1", new BuiltinReply("---\ntitle: x\n---"))]);
        (await h.ChatOkAsync(Chat("frontmatter/v1", Conversation))).Text.ShouldBe("---\ntitle: x\n---");
        (await h.ChatOkAsync(Chat("other/v1", Conversation))).Text.ShouldStartWith("Summary of");
    }

    [Fact]
    public async Task Chat_ScriptedToolCalls_NormalizedLikeServerReplies()
    {
        var reply = BuiltinReply.Calls(new BuiltinToolCall(null, "search", """{"q":"garden"}"""), new BuiltinToolCall("c2", "post", "{not json"));
        await using var h = await LlmHarness.StartAsync(responders: [new Fixed("test/tools", reply)]);
        var response = await h.ChatOkAsync(Chat("test/tools", Conversation));
        response.FinishReason.ShouldBe("tool_calls");
        response.ToolCalls.Length.ShouldBe(2);
        response.ToolCalls[0].Id.ShouldBe(ChatResponseParser.DeterministicId("4-2", 0));
        response.ToolCalls[0].ArgumentsError.ShouldBeNull();
        response.ToolCalls[1].Id.ShouldBe("c2");
        response.ToolCalls[1].ArgumentsError.ShouldNotBeNull();
    }

    [Fact]
    public async Task Chat_ScriptedThinkReply_Stripped()
    {
        await using var h = await LlmHarness.StartAsync(responders: [new Fixed("test/think", new BuiltinReply("<think>hmm</think> done"))]);
        (await h.ChatOkAsync(Chat("test/think", Conversation))).Text.ShouldBe("done");
    }

    [Fact]
    public async Task Chat_ScriptedMalformedReply_ErrorEvent()
    {
        await using var h = await LlmHarness.StartAsync(responders: [new Fixed("test/bad", BuiltinReply.Raw("""{"choices":[]}"""))]);
        var error = await h.ChatErrorAsync(Chat("test/bad", Conversation));
        error.Message.ShouldContain("builtin responder 'test/bad'");
        error.Message.ShouldContain("no choices");
    }

    [Fact]
    public void Provider_TwoRespondersForOneContract_Refused() =>
        Should.Throw<ArgumentException>(() => new BuiltinChatProvider([new Fixed("a", new("x")), new Fixed("a", new("y"))]));

    private sealed class Fixed(string contract, BuiltinReply reply) : IBuiltinResponder
    {
        public string Contract => contract;

        public BuiltinReply Respond(LlmChat chat) => reply;
    }
}
