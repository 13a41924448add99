using Promethean.Core.Cephalons;
using Promethean.Core.Components;
using Promethean.Core.Context;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Systems;
using Shouldly;

namespace Promethean.Core.Tests.Cephalons;

public sealed class CephalonSystemTests
{
    [Fact]
    public void Update_GrantedSession_DrainsQueueIntoRecentAndEmbedsTheQuery()
    {
        using var rig = new CephalonRig();
        rig.Step(CephalonRig.Message("m1", "ada", "Duck, what did we decide about tagging?"));

        var embed = rig.Single<LlmEmbed>(rig.Talk);
        embed.Inputs.ShouldHaveSingleItem().ShouldContain("tagging");
        embed.Meta["purpose"].ShouldBe(CephalonSystem.QueryPurpose);
        var session = rig.TalkSession;
        session.Queue.ShouldBeEmpty();
        session.Status.ShouldBe(SessionStatus.Blocked);
        session.Turn!.Phase.ShouldBe(TurnPhase.Retrieving);
        session.Recent.ShouldHaveSingleItem().Author.ShouldBe("ada");
        rig.World.Ledgers[rig.Talk].InFlightEffect.ShouldBe(embed.Id, "the embedding holds the session's LLM slot");
    }

    [Fact]
    public void Update_QueryVector_EmitsChatWithSectionsInOrderAndTokenCountsInMeta()
    {
        using var rig = new CephalonRig();
        rig.Step(CephalonRig.Message("old", "brian", "The release train leaves on Thursday at noon, tagging is frozen then.", rig.TimeMs, channel: "43"));
        var chat = rig.AskUntilChat("Duck, when does the release train leave?", "m2");

        chat.Messages[0].Role.ShouldBe("system");
        chat.Messages[0].Content.ShouldContain("Duck");
        chat.Messages[^1].Role.ShouldBe("user");
        chat.Messages[^1].Content.ShouldBe("ada: Duck, when does the release train leave?");
        chat.Meta["contract"].ShouldBe(CephalonContracts.Turn);
        chat.Meta["session"].ShouldBe(rig.Talk.ToString());
        foreach (var key in new[] { "tokens.system", "tokens.related", "tokens.persistent", "tokens.recent", "tokens.total", "context.window" })
            chat.Meta.ShouldContainKey(key);
        int.Parse(chat.Meta["tokens.total"]).ShouldBeGreaterThan(0);
        chat.Tools.Select(t => t.Name).ShouldBe(CephalonTools.Specs.Keys.Order(StringComparer.Ordinal));
        chat.MaxOutputTokens.ShouldNotBeNull().ShouldBeLessThanOrEqualTo(512);

        var ledger = rig.World.Ledgers[rig.Talk];
        ledger.InFlightEffect.ShouldBe(chat.Id);
        ledger.Charges.Single(c => c.EffectId == chat.Id).Tokens.ShouldBe(int.Parse(chat.Meta["tokens.total"]) + chat.MaxOutputTokens!.Value);
        rig.TalkSession.Turn!.Phase.ShouldBe(TurnPhase.Thinking);
    }

    [Fact]
    public void Update_EarlierMessage_IsRetrievedIntoTheRelatedSection()
    {
        using var rig = new CephalonRig();
        // Said in a channel the session does not follow: remembered by ingest, but not in the session's recent lines.
        rig.Step(CephalonRig.Message("fact", "brian", "The sync failure came from the vault lock held by two editors.", rig.TimeMs, channel: "43"));
        rig.TalkSession.Queue.ShouldBeEmpty();

        var chat = rig.AskUntilChat("Duck, what caused the vault sync failure?", "q");
        var related = chat.Messages.Single(m => m.Content.StartsWith(ContextAssembler.RelatedHeader, StringComparison.Ordinal));
        related.Content.ShouldContain("vault lock held by two editors");
        chat.Messages.IndexOf(related).ShouldBe(1, "related comes right after the system prompt");
    }

    [Fact]
    public void Update_FinalAnswer_IsSentToTheChannelAndStoredAsAMemoryOnTheNextTick()
    {
        using var rig = new CephalonRig();
        var chat = rig.AskUntilChat("Duck, hello?");
        rig.Step(CephalonRig.Answer(chat, "Hello ada."));

        var send = rig.Single<DiscordSend>(rig.Talk);
        send.ChannelId.ShouldBe(CephalonRig.Channel);
        send.Content.ShouldBe("Hello ada.");
        rig.TalkSession.Status.ShouldBe(SessionStatus.Idle);
        rig.TalkSession.Turn.ShouldBeNull();
        rig.TalkSession.Recent[^1].Role.ShouldBe("assistant");
        rig.World.Ledgers[rig.Talk].InFlightEffect.ShouldBeNull();

        rig.Step();
        rig.Events<MemoryCreated>().ShouldContain(m => m.Kind == TranscriptEntry.Reply);
        rig.TalkSession.Unfiled.ShouldBeEmpty();
        rig.Store.KeywordSearch("Hello ada", 5).ShouldNotBeEmpty();
    }

    [Theory]
    [InlineData("<cephalon:silence/>")]
    [InlineData("   ")]
    [InlineData("")]
    public void Update_SilentAnswer_SendsNothing(string text)
    {
        using var rig = new CephalonRig();
        var chat = rig.AskUntilChat("just chatting among ourselves");
        rig.Step(CephalonRig.Answer(chat, text));

        rig.Effects<DiscordSend>().ShouldBeEmpty();
        DebugStatsSystem.CountersOf(rig.World)["cephalon.silence"].ShouldBe(1);
        rig.TalkSession.Status.ShouldBe(SessionStatus.Idle);
    }

    [Fact]
    public void Update_SessionThatDoesNotSpeak_KeepsItsAnswerAsAMemoryOnly()
    {
        using var rig = new CephalonRig(new SessionProfile("", [], "", "", 0, Speaks: false));
        var chat = rig.AskUntilChat("Duck, anything?");
        rig.Step(CephalonRig.Answer(chat, "A quiet thought."));

        rig.Effects<DiscordSend>().ShouldBeEmpty();
        rig.TalkSession.Unfiled.ShouldHaveSingleItem().Text.ShouldBe("A quiet thought.");
    }

    [Fact]
    public void Update_ChatError_EndsTheTurnAndFreesTheSession()
    {
        using var rig = new CephalonRig();
        var chat = rig.AskUntilChat("Duck?");
        rig.Step(new EffectError(chat.Id, "llm/chat", "connection refused", Retryable: true) { Meta = chat.Meta });

        rig.TalkSession.Turn.ShouldBeNull();
        rig.TalkSession.Status.ShouldBe(SessionStatus.Idle);
        rig.World.Ledgers[rig.Talk].InFlightEffect.ShouldBeNull();
        DebugStatsSystem.CountersOf(rig.World)["cephalon.turn.errors"].ShouldBe(1);
    }

    [Fact]
    public void Update_StaleAnswer_IsIgnored()
    {
        using var rig = new CephalonRig();
        var chat = rig.AskUntilChat("Duck?");
        rig.Step(CephalonRig.Answer(chat with { Id = "1-99" }, "not for this turn"));

        rig.Effects<DiscordSend>().ShouldBeEmpty();
        rig.TalkSession.Turn!.WaitingFor.ShouldBe(chat.Id);
    }

    [Fact]
    public void Update_EmbeddingFails_TurnGoesOnWithoutAVector()
    {
        using var rig = new CephalonRig();
        rig.Step(CephalonRig.Message("m1", "ada", "Duck, still there?"));
        var embed = rig.Single<LlmEmbed>(rig.Talk);
        rig.Step(new EffectError(embed.Id, "llm/embed", "model not loaded") { Meta = embed.Meta });

        rig.Single<LlmChat>(rig.Talk).Messages[^1].Content.ShouldContain("still there");
        DebugStatsSystem.CountersOf(rig.World)["cephalon.query.unembedded"].ShouldBe(1);
    }

    [Fact]
    public void Update_MessagesArrivingDuringATurn_WaitForTheNextTurn()
    {
        using var rig = new CephalonRig();
        var chat = rig.AskUntilChat("Duck, first?");
        rig.Step(CephalonRig.Message("m2", "brian", "second message meanwhile"));
        rig.TalkSession.Queue.Length.ShouldBe(1);
        rig.Effects<LlmEmbed>().Where(e => e.Meta.GetValueOrDefault("session") == rig.Talk.ToString()).ShouldBeEmpty();

        rig.Step(CephalonRig.Answer(chat, "First answer."));
        rig.TalkSession.Status.ShouldBe(SessionStatus.Ready);
        rig.Single<TimerWake>(rig.Talk).DueMs.ShouldBe(rig.TimeMs, "the queued message needs a tick to be granted");
        rig.Step();
        rig.Single<LlmEmbed>(rig.Talk).Inputs[0].ShouldContain("second message");
    }

    [Fact]
    public void Update_Cadence_SpacesTurnsOfASession()
    {
        using var rig = new CephalonRig(new SessionProfile("", [], "", "", CadenceMs: 10_000, Speaks: true));
        var chat = rig.AskUntilChat("Duck, one");
        rig.Step(CephalonRig.Answer(chat, "One."));
        rig.Step(CephalonRig.Message("m2", "ada", "Duck, two"));
        rig.Effects<LlmEmbed>().Where(e => e.Meta.GetValueOrDefault("purpose") == CephalonSystem.QueryPurpose).ShouldBeEmpty();
        rig.Effects<TimerWake>().ShouldHaveSingleItem("a tick is needed when the cadence ends").DueMs.ShouldBe(rig.TalkSession.LastTurnMs + 10_000);
        rig.Step();
        rig.Effects<TimerWake>().ShouldBeEmpty("one wake per due time");
        for (var i = 0; i < 9 && !rig.Effects<LlmEmbed>().Any(e => e.Meta.GetValueOrDefault("purpose") == CephalonSystem.QueryPurpose); i++)
            rig.Step();
        rig.Effects<LlmEmbed>().ShouldContain(e => e.Meta.GetValueOrDefault("purpose") == CephalonSystem.QueryPurpose);
        (rig.TimeMs - rig.TalkSession.LastTurnMs).ShouldBeGreaterThanOrEqualTo(10_000);
    }

    [Fact]
    public void Update_TokenBudgetTooSmall_SkipsTheTurnWithoutACall()
    {
        using var rig = new CephalonRig(budgets: new SessionBudgets(60, 200, 10_000_000, 4));
        rig.Step(CephalonRig.Message("m1", "ada", "Duck, " + string.Join(' ', Enumerable.Repeat("tell me everything", 100))));
        rig.Step(CephalonRig.Vector(rig.Single<LlmEmbed>(rig.Talk)));

        rig.Effects<LlmChat>().ShouldBeEmpty();
        DebugStatsSystem.CountersOf(rig.World)["cephalon.turn.skipped.budget"].ShouldBe(1);
        rig.TalkSession.Turn.ShouldBeNull();
    }

    [Fact]
    public void Update_QueueWithSeveralChannels_ATurnTakesTheOldestChannelAndRepliesThere()
    {
        using var rig = new CephalonRig(new SessionProfile("", [], "", "", 0, true));
        rig.World = rig.World with
        {
            Sessions = rig.World.Sessions.SetItem(rig.Talk, rig.TalkSession with { Subscriptions = new SessionSubscriptions([], ["42", "43"]) }),
        };
        rig.Step(CephalonRig.Message("a", "ada", "Duck, in 42?", channel: "42"), CephalonRig.Message("b", "bob", "Duck, in 43?", channel: "43"));

        rig.Single<LlmEmbed>(rig.Talk).Inputs[0].ShouldBe("Duck, in 42?");
        rig.TalkSession.Queue.ShouldHaveSingleItem().ShouldBeOfType<DiscordMessageNew>().ChannelId.ShouldBe("43");
        rig.Step(CephalonRig.Vector(rig.Single<LlmEmbed>(rig.Talk)));
        rig.Step(CephalonRig.Answer(rig.Single<LlmChat>(rig.Talk), "Yes, 42."));
        rig.Single<DiscordSend>(rig.Talk).ChannelId.ShouldBe("42");

        rig.Step();
        rig.Single<LlmEmbed>(rig.Talk).Inputs[0].ShouldBe("Duck, in 43?");
        rig.TalkSession.Turn!.ReplyChannel.ShouldBe("43");
    }

    [Fact]
    public void Update_EmbeddingsOff_AssemblesAndCallsInTheGrantTick()
    {
        using var rig = new CephalonRig();
        rig.World = rig.World.Spawn(out var settings) is var w
            ? w with { MemorySettings = w.MemorySettings.Add(settings, MemorySettings.Default with { EmbedEndpoint = "" }) }
            : rig.World;
        rig.Step(CephalonRig.Message("m1", "ada", "Duck, no vectors today?"));

        rig.World.Effects.OfType<LlmEmbed>().ShouldBeEmpty();
        rig.Single<LlmChat>(rig.Talk).Messages[^1].Content.ShouldContain("no vectors today");
    }
}
