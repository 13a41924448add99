using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;

namespace Promethean.Discord;

/// <summary>
/// Discord's REST rate limits: per-route buckets learned from <c>X-RateLimit-*</c> headers (requests
/// of one bucket go one at a time and wait for the reset when none remain), a global pause after a
/// global 429, and a one-second window for the global requests-per-second cap that a request stays in until a
/// second after its answer.
/// </summary>
internal sealed class RateLimits(TimeProvider time, int globalPerSecond)
{
    private readonly ConcurrentDictionary<string, string> _routeToBucket = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly List<GlobalSlot> _window = [];
    private readonly Lock _globalLock = new();
    private DateTimeOffset _globalUntil = DateTimeOffset.MinValue;

    /// <summary>The bucket a request on this route and major parameter goes through.</summary>
    public Bucket For(string route, string major)
    {
        var key = _routeToBucket.TryGetValue(route, out var hash) ? hash + ":" + major : route;
        return _buckets.GetOrAdd(key, _ => new Bucket());
    }

    /// <summary>
    /// Added to every Reset-After: the header is rounded to milliseconds and our clock is not the
    /// server's, so a request timed exactly on the reset can still land before it and earn a 429.
    /// </summary>
    public static readonly TimeSpan ResetMargin = TimeSpan.FromMilliseconds(25);

    /// <summary>Records what a response said about its bucket.</summary>
    public void Observe(string route, string major, Bucket used, HttpResponseHeaders headers)
    {
        var hash = Header(headers, "X-RateLimit-Bucket");
        var bucket = used;
        if (hash is not null)
        {
            _routeToBucket[route] = hash;
            bucket = _buckets.GetOrAdd(hash + ":" + major, _ => used);
        }
        var remaining = Header(headers, "X-RateLimit-Remaining");
        var resetAfter = Header(headers, "X-RateLimit-Reset-After");
        if (remaining is not null && int.TryParse(remaining, NumberStyles.Integer, CultureInfo.InvariantCulture, out var r)
            && resetAfter is not null && double.TryParse(resetAfter, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            var resetAt = time.GetUtcNow() + TimeSpan.FromSeconds(seconds) + ResetMargin;
            bucket.Set(r, resetAt);
            if (!ReferenceEquals(bucket, used))
                used.Set(r, resetAt);
        }
    }

    /// <summary>After a global 429: every request waits until then.</summary>
    public void PauseGlobally(TimeSpan retryAfter)
    {
        lock (_globalLock)
        {
            var until = time.GetUtcNow() + retryAfter;
            if (until > _globalUntil)
                _globalUntil = until;
        }
    }

    /// <summary>Until when every request waits after a global 429 (<see cref="DateTimeOffset.MinValue"/> before any).</summary>
    public DateTimeOffset GlobalPauseUntil
    {
        get
        {
            lock (_globalLock)
                return _globalUntil;
        }
    }

    /// <summary>How often a full window of requests still in flight is looked at again.</summary>
    private static readonly TimeSpan InFlightPoll = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Waits out a global pause and keeps at most the configured requests in any one second. Discord counts a request
    /// when it arrives, which is somewhere between when we let it go and when its answer comes back (a cold connection
    /// or a busy machine can hold it for most of a second), so a request holds its place in the window from when it is
    /// let go until a second after <see cref="Done"/>: requests that went out late cannot arrive bunched with the next.
    /// </summary>
    public async Task<GlobalSlot> WaitGlobalAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_globalLock)
            {
                var now = time.GetUtcNow();
                _window.RemoveAll(s => s.Until <= now);
                if (_globalUntil > now)
                    wait = _globalUntil - now;
                else if (_window.Count >= globalPerSecond)
                    wait = _window.Min(s => s.Until) is var first && first == DateTimeOffset.MaxValue ? InFlightPoll : first - now;
                else
                {
                    var slot = new GlobalSlot();
                    _window.Add(slot);
                    return slot;
                }
            }
            await Task.Delay(wait + TimeSpan.FromMilliseconds(1), time, cancellationToken);
        }
    }

    /// <summary>The request of <paramref name="slot"/> was answered (or failed): it leaves the window a second from now.</summary>
    public void Done(GlobalSlot slot)
    {
        lock (_globalLock)
            slot.Until = time.GetUtcNow() + TimeSpan.FromSeconds(1);
    }

    /// <summary>A request's place in the global window: held until <see cref="Until"/> (set when it is done).</summary>
    internal sealed class GlobalSlot
    {
        public DateTimeOffset Until { get; set; } = DateTimeOffset.MaxValue;
    }

    private static string? Header(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>One rate-limit bucket: requests through it are serialized by <see cref="Gate"/>.</summary>
    internal sealed class Bucket
    {
        private readonly Lock _lock = new();
        private int? _remaining;
        private DateTimeOffset _resetAt;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public void Set(int remaining, DateTimeOffset resetAt)
        {
            lock (_lock)
            {
                _remaining = remaining;
                _resetAt = resetAt;
            }
        }

        /// <summary>When no request remains in this window, waits for the reset.</summary>
        public async Task WaitIfExhaustedAsync(TimeProvider time, CancellationToken cancellationToken)
        {
            TimeSpan wait;
            lock (_lock)
            {
                var now = time.GetUtcNow();
                if (_remaining is null || _remaining > 0 || _resetAt <= now)
                    return;
                wait = _resetAt - now;
                _remaining = null;
            }
            await Task.Delay(wait, time, cancellationToken);
        }
    }
}
