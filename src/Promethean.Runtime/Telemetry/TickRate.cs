namespace Promethean.Runtime.Telemetry;

/// <summary>Ticks per second over a sliding window of committed ticks, measured with the runtime's clock. Thread-safe.</summary>
public sealed class TickRate(TimeProvider time, TimeSpan? window = null)
{
    private readonly TimeSpan _window = window ?? TimeSpan.FromSeconds(5);
    private readonly Queue<(long Tick, long At)> _samples = new();
    private readonly Lock _gate = new();

    public void Record(long tick)
    {
        var now = time.GetTimestamp();
        lock (_gate)
        {
            _samples.Enqueue((tick, now));
            Trim(now);
        }
    }

    /// <summary>Ticks committed per second over the window; 0 when fewer than two ticks fell inside it.</summary>
    public double PerSecond
    {
        get
        {
            var now = time.GetTimestamp();
            lock (_gate)
            {
                Trim(now);
                if (_samples.Count == 0)
                    return 0;
                var first = _samples.Peek();
                var last = _samples.Last();
                var seconds = Math.Max(time.GetElapsedTime(first.At, now).TotalSeconds, 1e-3);
                return _samples.Count < 2 ? 0 : (last.Tick - first.Tick) / seconds;
            }
        }
    }

    private void Trim(long now)
    {
        while (_samples.Count > 0 && time.GetElapsedTime(_samples.Peek().At, now) > _window)
            _samples.Dequeue();
    }
}
