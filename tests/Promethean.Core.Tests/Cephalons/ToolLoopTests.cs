using Promethean.Core.Cephalons;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Systems;
using Shouldly;

namespace Promethean.Core.Tests.Cephalons;

public sealed class ToolLoopTests
{
    private static ToolCall Call(string name, string args, string id = "call-1", string? error = null) => new(id, name, args, error);

    /// <summary>Answers the chat with tool calls, then lets the scheduler grant the next round; returns that round's chat.</summary>
    private static LlmChat RoundTrip(CephalonRig rig, LlmChat chat, params ToolCall[] calls)
    {
        rig.Step(CephalonRig.Answer(chat, "", calls));
        var searches = rig.World.Effects.OfType<LlmEmbed>().Where(e => e.Meta.GetValueOrDefault("purpose") == CephalonSystem.ToolPurpose).ToList();
        if (searches.Count > 0)
            rig.Step([.. searches.Select(CephalonRig.Vector)]);
        if (rig.TalkSession.Turn is { Phase: TurnPhase.Continuing })
            rig.Step();
        return rig.Single<LlmChat>(rig.Talk);
    }

    [Fact]
    public void MemorySearch_ResultGoesBackToTheModelAsAToolMessage()
    {
        using var rig = new CephalonRig();
        rig.Step(CephalonRig.Message("fact", "brian", "The staging database password rotates every Monday.", rig.TimeMs));
        rig.Step(CephalonRig.Vector(rig.Single<LlmEmbed>(rig.Talk)));
        rig.Step(CephalonRig.Answer(rig.Single<LlmChat>(rig.Talk), CephalonSystem.SilenceToken));
        var chat = rig.AskUntilChat("Duck, when does the password rotate?", "q");

        rig.Step(CephalonRig.Answer(chat, "", Call(CephalonTools.MemorySearch, """{"query":"password rotates"}""")));
        rig.Events<ToolCalled>().ShouldHaveSingleItem().Name.ShouldBe(CephalonTools.MemorySearch);
        var embed = rig.Single<LlmEmbed>(rig.Talk);
        embed.Inputs.ShouldBe(["password rotates"], "the search embeds its query to search by meaning");
        rig.TalkSession.Turn!.Phase.ShouldBe(TurnPhase.Tooling);
        rig.Step(CephalonRig.Vector(embed));
        var result = rig.Events<ToolResult>().ShouldHaveSingleItem();
        result.IsError.ShouldBeFalse();
        result.Content.ShouldContain("rotates every Monday");
        // cephalon.tools takes the result before the scheduler, which grants the next round in the same tick.
        rig.TalkSession.Turn!.Phase.ShouldBe(TurnPhase.Thinking);
        rig.Effects<TimerWake>().ShouldBeEmpty("no tick is needed to grant the next round");
        var next = rig.Single<LlmChat>(rig.Talk);
        next.Messages[^2].Role.ShouldBe("assistant");
        next.Messages[^2].ToolCalls!.Value.ShouldHaveSingleItem().Id.ShouldBe("call-1");
        next.Messages[^1].Role.ShouldBe("tool");
        next.Messages[^1].ToolCallId.ShouldBe("call-1");
        next.Messages[^1].Content.ShouldContain("rotates every Monday");
        next.Meta["round"].ShouldBe("2");

        rig.Step(CephalonRig.Answer(next, "Every Monday."));
        rig.Single<DiscordSend>(rig.Talk).Content.ShouldBe("Every Monday.");
        rig.Step();
        rig.Store.MemoryKinds(0).Select(k => k.Kind).ShouldBe(
            ["cephalon.reply", "cephalon.tool-call", "cephalon.tool-result", "discord.message"], "the agent remembers what it did and said");
    }

    [Fact]
    public void DisallowedTool_GetsAnErrorResultNotAnException()
    {
        using var rig = new CephalonRig(new SessionProfile("", [CephalonTools.MemorySearch], "", "", 0, true));
        var chat = rig.AskUntilChat("Duck, read /etc/passwd");
        var next = RoundTrip(rig, chat, Call(CephalonTools.ReadFile, """{"path":"notes/a.md"}"""), Call("rm_rf", "{}", "call-2"));

        var results = rig.World.EventsOut.OfType<ToolResult>().ToList();
        next.Messages.Where(m => m.Role == "tool").ShouldAllBe(m => m.Content.StartsWith("error:"));
        next.Messages.Single(m => m.ToolCallId == "call-1").Content.ShouldContain("not available to this session");
        next.Messages.Single(m => m.ToolCallId == "call-2").Content.ShouldContain("not available");
        rig.Effects<FsRead>().ShouldBeEmpty();
    }

    [Theory]
    [InlineData("{not json", null, "not valid JSON")]
    [InlineData("[1,2]", null, "must be a JSON object")]
    [InlineData("{}", null, "'query' is required")]
    [InlineData("{\"query\":\"x\"}", "unterminated string", "not valid JSON")]
    public void MalformedArguments_GetAnErrorResult(string args, string? clientError, string expected)
    {
        using var rig = new CephalonRig();
        var chat = rig.AskUntilChat("Duck, search something");
        var next = RoundTrip(rig, chat, Call(CephalonTools.MemorySearch, args, error: clientError));

        next.Messages[^1].Content.ShouldStartWith("error:");
        next.Messages[^1].Content.ShouldContain(expected);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("docs/../../secret")]
    [InlineData("C:\\Windows\\win.ini")]
    public void ReadFile_PathEscape_IsRefusedBeforeAnyEffect(string path)
    {
        using var rig = new CephalonRig();
        var chat = rig.AskUntilChat("Duck, read that file");
        var next = RoundTrip(rig, chat, Call(CephalonTools.ReadFile, System.Text.Json.JsonSerializer.Serialize(new { path })));

        rig.World.Effects.OfType<FsRead>().ShouldBeEmpty();
        next.Messages[^1].Content.ShouldStartWith("error:");
    }

    [Fact]
    public void ReadFile_WaitsForTheReadThenContinues()
    {
        using var rig = new CephalonRig();
        var chat = rig.AskUntilChat("Duck, what is in the plan?");
        rig.Step(CephalonRig.Answer(chat, "", Call(CephalonTools.ReadFile, """{"path":"docs/notes/plan.md"}""")));
        var read = rig.Single<FsRead>(rig.Talk);
        read.Path.ShouldBe("docs/notes/plan.md");
        rig.TalkSession.Turn!.Phase.ShouldBe(TurnPhase.Tooling);
        rig.TalkSession.Status.ShouldBe(SessionStatus.Blocked);

        rig.Step(new FsReadResult(read.Id, read.Path, "# Plan\nShip on Thursday.", "h") { Meta = read.Meta });
        rig.Events<ToolResult>().ShouldHaveSingleItem().Content.ShouldContain("Ship on Thursday");
        rig.Single<LlmChat>(rig.Talk).Messages[^1].Content.ShouldContain("Ship on Thursday");
    }

    [Fact]
    public void ReadFile_HandlerRefusal_IsReturnedToTheModel()
    {
        using var rig = new CephalonRig();
        var chat = rig.AskUntilChat("Duck, read the link");
        rig.Step(CephalonRig.Answer(chat, "", Call(CephalonTools.ReadFile, """{"path":"docs/notes/link.md"}""")));
        var read = rig.Single<FsRead>(rig.Talk);
        rig.Step(new EffectError(read.Id, "fs/read", "path escapes the configured roots through a symlink") { Meta = read.Meta });

        rig.Single<LlmChat>(rig.Talk).Messages[^1].Content.ShouldBe("error: path escapes the configured roots through a symlink");
    }

    [Fact]
    public void PinAndUnpin_ChangeThePersistentSection()
    {
        using var rig = new CephalonRig();
        rig.Step(CephalonRig.Message("fact", "brian", "Our on-call rotation starts with chen this week.", rig.TimeMs));
        rig.Step(CephalonRig.Vector(rig.Single<LlmEmbed>(rig.Talk)));
        rig.Step(CephalonRig.Answer(rig.Single<LlmChat>(rig.Talk), CephalonSystem.SilenceToken));
        var memory = rig.Store.KeywordSearch("rotation chen", 1).ShouldHaveSingleItem().Id;

        var chat = rig.AskUntilChat("Duck, remember the on-call rotation", "q");
        var next = RoundTrip(rig, chat, Call(CephalonTools.MemoryPin, $$"""{"memory_id":"{{memory}}"}"""));
        rig.TalkSession.Persistent.ShouldBe([memory]);
        next.Messages[^1].Content.ShouldBe($"pinned {memory}");

        rig.Step(CephalonRig.Answer(next, "Pinned."));
        var later = rig.AskUntilChat("Duck, who is on call?", "q2");
        later.Messages.ShouldContain(m => m.Content.StartsWith(Context.ContextAssembler.PersistentHeader) && m.Content.Contains("chen this week"));

        var unpinned = RoundTrip(rig, later, Call(CephalonTools.MemoryUnpin, $$"""{"memory_id":"{{memory}}"}"""));
        rig.TalkSession.Persistent.ShouldBeEmpty();
        unpinned.Messages[^1].Content.ShouldBe($"unpinned {memory}");
    }

    [Fact]
    public void Pin_UnknownMemory_IsAnError()
    {
        using var rig = new CephalonRig();
        var chat = rig.AskUntilChat("Duck, pin it");
        var next = RoundTrip(rig, chat, Call(CephalonTools.MemoryPin, """{"memory_id":"nope"}"""));
        next.Messages[^1].Content.ShouldContain("no memory has the id 'nope'");
        rig.TalkSession.Persistent.ShouldBeEmpty();
    }

    [Fact]
    public void DiscordSendTool_PostsThroughTheOutboxWithTheEffectIdAsNonce()
    {
        using var rig = new CephalonRig();
        var chat = rig.AskUntilChat("Duck, announce the release in 99");
        rig.Step(CephalonRig.Answer(chat, "", Call(CephalonTools.DiscordSend, """{"content":"Release is out","channel_id":"99"}""")));

        var send = rig.World.Effects.OfType<DiscordSend>().ShouldHaveSingleItem();
        send.ChannelId.ShouldBe("99");
        send.Content.ShouldBe("Release is out");
        rig.Events<ToolResult>().ShouldHaveSingleItem().Content.ShouldContain(send.Id);
    }

    [Fact]
    public void ToolBudgetPerTurn_IsEnforced()
    {
        using var rig = new CephalonRig(budgets: new SessionBudgets(60, 1_000_000, 10_000_000, ToolCallsPerTurn: 2));
        var chat = rig.AskUntilChat("Duck, search a lot");
        var calls = Enumerable.Range(1, 3).Select(i => Call(CephalonTools.MemorySearch, """{"query":"x"}""", $"c{i}")).ToArray();
        var next = RoundTrip(rig, chat, calls);

        next.Messages.Single(m => m.ToolCallId == "c1").Content.ShouldNotStartWith("error:");
        next.Messages.Single(m => m.ToolCallId == "c2").Content.ShouldNotStartWith("error:");
        next.Messages.Single(m => m.ToolCallId == "c3").Content.ShouldContain("tool calls per turn is used up");
    }

    [Fact]
    public void Rounds_AreBounded_TheLastRoundOffersNoTools()
    {
        using var rig = new CephalonRig(new SessionProfile("", [CephalonTools.MemorySearch], "", "", 0, true) { MaxToolRounds = 2 });
        var chat = rig.AskUntilChat("Duck, loop forever");
        chat.Tools.ShouldNotBeEmpty();
        var second = RoundTrip(rig, chat, Call(CephalonTools.MemorySearch, """{"query":"x"}"""));
        second.Tools.ShouldBeEmpty("the last round must answer in text");

        rig.Step(CephalonRig.Answer(second, "Done looping.", Call(CephalonTools.MemorySearch, """{"query":"again"}""", "c9")));
        rig.Single<DiscordSend>(rig.Talk).Content.ShouldBe("Done looping.");
        rig.TalkSession.Turn.ShouldBeNull();
    }

    [Fact]
    public void MemorySearch_EmbeddingFails_FallsBackToKeywordsAndAssociations()
    {
        using var rig = new CephalonRig();
        rig.Step(CephalonRig.Message("fact", "brian", "The canary deploy goes to eu-west first.", rig.TimeMs, channel: "43"));
        var chat = rig.AskUntilChat("Duck, where does the canary go?");
        rig.Step(CephalonRig.Answer(chat, "", Call(CephalonTools.MemorySearch, """{"query":"canary deploy"}""")));
        var embed = rig.Single<LlmEmbed>(rig.Talk);
        rig.Step(new EffectError(embed.Id, "llm/embed", "embedding server down") { Meta = embed.Meta });

        var result = rig.Events<ToolResult>().ShouldHaveSingleItem();
        result.IsError.ShouldBeFalse();
        result.Content.ShouldContain("eu-west first");
    }
}
