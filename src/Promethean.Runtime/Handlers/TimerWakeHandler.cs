using Promethean.Core.Effects;
using Promethean.Core.Events;

namespace Promethean.Runtime.Handlers;

/// <summary>Runs <c>timer/wake</c>: completes once the wall clock reaches the due time (at once if it already has).</summary>
public sealed class TimerWakeHandler(TimeProvider time) : EffectHandler<TimerWake>
{
    protected override async Task<Event> HandleAsync(TimerWake effect, CancellationToken cancellationToken)
    {
        var wait = effect.DueMs - time.GetUtcNow().ToUnixTimeMilliseconds();
        if (wait > 0)
            await Task.Delay(TimeSpan.FromMilliseconds(wait), time, cancellationToken);
        return new TimerWakeResult(effect.Id, effect.DueMs) { Meta = effect.Meta };
    }
}
