using System.Threading.Channels;
using Promethean.Core.Events;

namespace Promethean.Runtime.Adapters;

/// <summary>Produces <c>timer/tick</c> for each configured timer at its cadence.</summary>
public sealed class TimerAdapter(IReadOnlyDictionary<string, TimeSpan> timers, ChannelWriter<Event> inbound, TimeProvider time)
{
    public Task RunAsync(CancellationToken stopping) =>
        Task.WhenAll(timers.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => RunTimerAsync(t.Key, t.Value, stopping)));

    private async Task RunTimerAsync(string name, TimeSpan every, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(every, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
                await inbound.WriteAsync(new TimerTick(name, time.GetUtcNow().ToUnixTimeMilliseconds()), stopping);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }
}
