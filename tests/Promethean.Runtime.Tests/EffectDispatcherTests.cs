using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Runtime.Handlers;

namespace Promethean.Runtime.Tests;

public sealed class EffectDispatcherTests
{
    /// <summary>A real handler for discord/send that counts concurrency and can be told to throw or hang.</summary>
    private sealed class ProbeHandler(Func<DiscordSend, CancellationToken, Task> body) : EffectHandler<DiscordSend>
    {
        protected override async Task<Event> HandleAsync(DiscordSend effect, CancellationToken cancellationToken)
        {
            await body(effect, cancellationToken);
            return new DiscordSendResult(effect.Id, effect.ChannelId, ["1"]) { Meta = effect.Meta };
        }
    }

    [Fact]
    public async Task Dispatch_UnknownType_IsAnErrorEvent()
    {
        var d = new EffectDispatcher([], 8, TimeSpan.FromSeconds(1), NullLogger.Instance);
        var error = (await d.DispatchAsync(new LlmEmbed("local", "m", ["x"]) { Id = "1-0" }, default)).ShouldBeOfType<EffectError>();
        error.Type.ShouldBe("llm/embed.error");
        error.Message.ShouldContain("no handler");
    }

    [Fact]
    public async Task Dispatch_ThrowingHandler_IsAnErrorEvent()
    {
        var d = new EffectDispatcher([new ProbeHandler((_, _) => throw new InvalidOperationException("boom"))], 8, TimeSpan.FromSeconds(1), NullLogger.Instance);
        var error = (await d.DispatchAsync(new DiscordSend("c", "hi") { Id = "1-0" }, default)).ShouldBeOfType<EffectError>();
        error.Message.ShouldContain("boom");
        d.InFlight.ShouldBe(0);
    }

    [Fact]
    public async Task Dispatch_Timeout_IsARetryableError()
    {
        var d = new EffectDispatcher([new ProbeHandler((_, ct) => Task.Delay(Timeout.Infinite, ct))], 8, TimeSpan.FromMilliseconds(100), NullLogger.Instance);
        var error = (await d.DispatchAsync(new DiscordSend("c", "hi") { Id = "1-0" }, default)).ShouldBeOfType<EffectError>();
        error.Retryable.ShouldBeTrue();
        error.Message.ShouldContain("timed out");
    }

    [Fact]
    public async Task Dispatch_BoundsConcurrencyPerType()
    {
        var current = 0;
        var peak = 0;
        var handler = new ProbeHandler(async (_, ct) =>
        {
            var now = Interlocked.Increment(ref current);
            InterlockedMax(ref peak, now);
            await Task.Delay(20, ct);
            Interlocked.Decrement(ref current);
        });
        var d = new EffectDispatcher([handler], 3, TimeSpan.FromSeconds(10), NullLogger.Instance);
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => d.DispatchAsync(new DiscordSend("c", "x") { Id = $"1-{i}" }, default)));
        results.ShouldAllBe(r => r is DiscordSendResult);
        peak.ShouldBeLessThanOrEqualTo(3);
        peak.ShouldBeGreaterThan(1);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
