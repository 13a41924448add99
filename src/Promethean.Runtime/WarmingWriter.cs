using System.Threading.Channels;
using Promethean.Core.Components;
using Promethean.Core.Events;
using Promethean.Core.Serialization;
using Promethean.Core.Systems;

namespace Promethean.Runtime;

/// <summary>
/// The inbound queue's writer as adapters and effect outcomes see it: each event is warmed on the writer's own thread
/// before it is queued (its canonical bytes and hash, and for a chat message what ingest derives from it alone,
/// <see cref="MemoryIngestSystem.Warm"/>), so the tick that takes it finds that work done instead of doing it on the
/// tick thread. A few microseconds a message, paid where the message arrives. The memos are pure functions of the
/// event; a tick computes whatever is missing, and an error here is left to the tick, which meets the same input and
/// reports it.
/// </summary>
internal sealed class WarmingWriter(ChannelWriter<Event> inner, Func<MemorySettings> settings) : ChannelWriter<Event>
{
    public override bool TryWrite(Event item)
    {
        Warm(item);
        return inner.TryWrite(item);
    }

    public override ValueTask WriteAsync(Event item, CancellationToken cancellationToken = default)
    {
        Warm(item);
        return inner.WriteAsync(item, cancellationToken);
    }

    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) => inner.WaitToWriteAsync(cancellationToken);

    public override bool TryComplete(Exception? error = null) => inner.TryComplete(error);

    private void Warm(Event item)
    {
        try
        {
            WorldHash.Prehash([item]);
            if (MemoryIngestSystem.ChatOf(item) is not null)
                MemoryIngestSystem.Warm([item], settings());
        }
        catch (Exception)
        {
            // Left to the tick, which meets the same input and reports what is wrong with it.
        }
    }
}
