using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Runtime.Handlers;
using Promethean.TestSupport.Discord;

namespace Promethean.Discord.Tests;

/// <summary>DISCORD.md, create message: split at 2000 code points, allowed mentions, nonce = effect id, enforce_nonce, errors.</summary>
public sealed class SendHandlerTests
{
    private const string Channel = "800000000000000001";

    private static DiscordSend Send(string content, string id = "42-0") =>
        new DiscordSend(Channel, content) { Id = id, Meta = ImmutableSortedDictionary<string, string>.Empty.Add("session", "7") };

    private static Task<Event> Run(DiscordSendHandler handler, Effect effect) => ((IEffectHandler)handler).HandleAsync(effect, CancellationToken.None);

    [Fact]
    public async Task Handle_ShortMessage_PostsOnceAndReturnsResultWithMeta()
    {
        await using var fake = await FakeDiscord.StartAsync();
        var handler = new DiscordSendHandler(Clients.Rest(fake), []);

        var result = (await Run(handler, Send("hello"))).ShouldBeOfType<DiscordSendResult>();

        result.EffectId.ShouldBe("42-0");
        result.ChannelId.ShouldBe(Channel);
        result.Meta["session"].ShouldBe("7");
        result.MessageIds.ShouldBe([fake.Rest.Messages.ShouldHaveSingleItem().Id]);
        var message = fake.Rest.Messages[0];
        message.Nonce.ShouldBe("42-0");
        message.AllowedMentions.ShouldBe("""{"parse":[]}""");
    }

    [Fact]
    public async Task Handle_LongMessage_PostsPartsInOrderWithSuffixedNonces()
    {
        await using var fake = await FakeDiscord.StartAsync();
        var handler = new DiscordSendHandler(Clients.Rest(fake), []);
        var content = string.Concat(Enumerable.Range(0, 300).Select(i => $"line {i:000} of a long answer\n"));

        var result = (await Run(handler, Send(content))).ShouldBeOfType<DiscordSendResult>();

        var messages = fake.Rest.Messages;
        messages.Count.ShouldBeGreaterThan(3);
        result.MessageIds.ShouldBe(messages.Select(m => m.Id).ToList());
        messages.Select(m => m.Nonce).ShouldBe(messages.Select((_, i) => i == 0 ? "42-0" : $"42-0.{i}").ToList());
        string.Concat(messages.Select(m => m.Content)).ShouldBe(content);
        messages.ShouldAllBe(m => m.Content.EndsWith('\n'));
        fake.Rest.Requests.ShouldAllBe(r => JsonNode.Parse(r.Body)!["enforce_nonce"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Handle_SameEffectTwice_PostsOnceAndReturnsTheOriginalIds()
    {
        await using var fake = await FakeDiscord.StartAsync();
        var handler = new DiscordSendHandler(Clients.Rest(fake), []);
        var effect = Send(new string('a', 4500));

        var first = (DiscordSendResult)await Run(handler, effect);
        var again = (DiscordSendResult)await Run(handler, effect);

        fake.Rest.Messages.Count.ShouldBe(3);
        fake.Rest.NonceHits.ShouldBe(3);
        again.MessageIds.ShouldBe(first.MessageIds);
    }

    [Fact]
    public async Task Handle_ConfiguredMentions_AreSentAsAllowed()
    {
        await using var fake = await FakeDiscord.StartAsync();
        var handler = new DiscordSendHandler(Clients.Rest(fake), ["users"]);

        await Run(handler, Send("hi <@1>"));

        fake.Rest.Messages.ShouldHaveSingleItem().AllowedMentions.ShouldBe("""{"parse":["users"]}""");
    }

    [Fact]
    public async Task Handle_DiscordRejects_FailsWithCodeAndMessageNotRetryable()
    {
        await using var fake = await FakeDiscord.StartAsync();
        fake.Rest.Enqueue(FakeResponse.Error(403, 50001, "Missing Access"));
        var handler = new DiscordSendHandler(Clients.Rest(fake), []);

        var e = await Should.ThrowAsync<EffectFailedException>(() => Run(handler, Send("x")));

        e.Retryable.ShouldBeFalse();
        e.Message.ShouldContain("50001");
        e.Message.ShouldContain("Missing Access");
    }

    [Fact]
    public async Task Handle_RateLimitedPastTheBound_FailsRetryable()
    {
        await using var fake = await FakeDiscord.StartAsync();
        fake.Rest.Enqueue(FakeResponse.RateLimited(0.01), 20);
        var handler = new DiscordSendHandler(Clients.Rest(fake), []);

        var e = await Should.ThrowAsync<EffectFailedException>(() => Run(handler, Send("x")));

        e.Retryable.ShouldBeTrue();
        fake.Rest.Messages.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_NotASnowflakeChannel_FailsWithoutARequest()
    {
        await using var fake = await FakeDiscord.StartAsync();
        var handler = new DiscordSendHandler(Clients.Rest(fake), []);

        await Should.ThrowAsync<EffectFailedException>(() => Run(handler, new DiscordSend("general", "x") { Id = "1-0" }));

        fake.Rest.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Dispatcher_HandlerFailure_BecomesDiscordSendErrorWithoutTheToken()
    {
        await using var fake = await FakeDiscord.StartAsync();
        var log = new CapturingLogger();
        fake.Rest.Enqueue(FakeResponse.Error(400, 50035, "Invalid Form Body"));
        var dispatcher = new Runtime.EffectDispatcher([new DiscordSendHandler(Clients.Rest(fake, log), [])], 4, TimeSpan.FromSeconds(30), log);

        var outcome = (await dispatcher.DispatchAsync(Send("x"), CancellationToken.None)).ShouldBeOfType<EffectError>();

        outcome.Type.ShouldBe("discord/send.error");
        outcome.Message.ShouldContain("50035");
        outcome.Message.ShouldNotContain(fake.Token);
        log.All.ShouldNotContain(fake.Token);
    }
}
