using System.Collections.Concurrent;
using System.Diagnostics;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Runtime.Handlers;

namespace Promethean.Bench;

/// <summary>One handled effect: when its handler started and ended, and the model latency its outcome reported.</summary>
public sealed record HandledEffect(string EffectId, string Type, string? Session, long StartedTicks, long EndedTicks, long? ModelLatencyMs)
{
    public double Milliseconds => Stopwatch.GetElapsedTime(StartedTicks, EndedTicks).TotalMilliseconds;
}

/// <summary>Wraps an effect handler and records the wall time of each call, so a scenario can tell model time from the rest.</summary>
public sealed class TimedHandler(IEffectHandler inner, ConcurrentQueue<HandledEffect> log) : IEffectHandler
{
    public string EffectType => inner.EffectType;

    public async Task<Event> HandleAsync(Effect effect, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var outcome = await inner.HandleAsync(effect, cancellationToken);
        log.Enqueue(new HandledEffect(effect.Id, effect.Type, effect.Meta.GetValueOrDefault("session"), started, Stopwatch.GetTimestamp(),
            (outcome as LlmResponse)?.LatencyMs));
        return outcome;
    }
}
