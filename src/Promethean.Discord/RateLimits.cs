using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;

namespace Promethean.Discord;

/// <summary>
/// Discord's REST rate limits: per-route buckets learned from <c>X-RateLimit-*</c> headers (requests
/// of one bucket go one at a time and wait for the reset when none remain), a global pause after a
/// global 429, and a sliding one-second window for the global requests-per-second cap.
/// </summary>
internal sealed class RateLimits(TimeProvider time, int globalPerSecond)
{
    private readonly ConcurrentDictionary<string, string> _routeToBucket = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly Queue<DateTimeOffset> _recent = new();
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

    /// <summary>Waits out a global pause and keeps at most the configured requests in any one second.</summary>
    public async Task WaitGlobalAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_globalLock)
            {
                var now = time.GetUtcNow();
                while (_recent.Count > 0 && now - _recent.Peek() >= TimeSpan.FromSeconds(1))
                    _recent.Dequeue();
                if (_globalUntil > now)
                    wait = _globalUntil - now;
                else if (_recent.Count >= globalPerSecond)
                    wait = _recent.Peek() + TimeSpan.FromSeconds(1) - now;
                else
                {
                    _recent.Enqueue(now);
                    return;
                }
            }
            await Task.Delay(wait + TimeSpan.FromMilliseconds(1), time, cancellationToken);
        }
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
