using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Promethean.Discord.Loopback;

namespace Promethean.TestSupport.Discord;

/// <summary>A request as the fake REST server saw it.</summary>
public sealed record FakeRequest(string Method, string Path, string? Authorization, string? UserAgent, string Body, DateTimeOffset At, int Status);

/// <summary>A response to give instead of the normal one, for the next request.</summary>
public sealed record FakeResponse(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null)
{
    public static FakeResponse RateLimited(double retryAfterSeconds, bool global = false) => new(429,
        string.Create(CultureInfo.InvariantCulture, $$"""{"message":"You are being rate limited.","retry_after":{{retryAfterSeconds}},"global":{{(global ? "true" : "false")}}}"""),
        new Dictionary<string, string> { ["Retry-After"] = Math.Ceiling(retryAfterSeconds).ToString(CultureInfo.InvariantCulture), ["X-RateLimit-Scope"] = global ? "global" : "user" });

    public static FakeResponse ServerError(int status = 502) => new(status, "<html>bad gateway</html>");

    public static FakeResponse Error(int status, int code, string message) =>
        new(status, JsonSerializer.Serialize(new { message, code }));
}

/// <summary>
/// The REST API of <see cref="FakeDiscord"/>: the loopback's Discord behaviour (<see cref="LoopbackRest"/>: auth, limits,
/// nonce enforcement) behind test scripting: scripted answers, optional per-channel buckets with headers, latency, and a
/// record of every request.
/// </summary>
public sealed class FakeRest
{
    /// <summary>Message ids start past <c>long.MaxValue</c> so a client doing long math breaks visibly.</summary>
    public const ulong FirstMessageId = 10_000_000_000_000_000_000UL;

    private readonly LoopbackDiscord _server;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (int Remaining, DateTimeOffset ResetAt)> _buckets = new(StringComparer.Ordinal);
    private readonly List<FakeRequest> _requests = [];
    private readonly ConcurrentQueue<FakeResponse> _scripted = new();
    private int _bucketViolations;

    internal FakeRest(LoopbackDiscord server) => _server = server;

    /// <summary>Requests allowed per channel bucket per window; null: no bucket headers, no per-route limit.</summary>
    public int? BucketLimit { get; set; }

    public TimeSpan BucketWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long Discord remembers a nonce.</summary>
    public TimeSpan NonceWindow
    {
        get => _server.Rest.NonceWindow;
        set => _server.Rest.NonceWindow = value;
    }

    /// <summary>Added latency per request, to make a burst last.</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.Zero;

    /// <summary>Requests sent while their bucket had nothing remaining (a client bug): answered 429.</summary>
    public int BucketViolations => Volatile.Read(ref _bucketViolations);

    /// <summary>Sends answered with an existing message because of a known nonce.</summary>
    public int NonceHits => _server.Rest.NonceHits;

    public IReadOnlyList<PostedMessage> Messages => _server.Rest.Posted;

    public IReadOnlyList<FakeRequest> Requests
    {
        get
        {
            lock (_lock)
                return [.. _requests];
        }
    }

    /// <summary>The next request gets <paramref name="response"/> instead of the normal answer (in order).</summary>
    public void Enqueue(FakeResponse response) => _scripted.Enqueue(response);

    public void Enqueue(FakeResponse response, int times)
    {
        for (var i = 0; i < times; i++)
            _scripted.Enqueue(response);
    }

    internal async Task HandleAsync(HttpContext context, string path)
    {
        var body = await new StreamReader(context.Request.Body, Encoding.UTF8).ReadToEndAsync();
        if (Latency > TimeSpan.Zero)
            await Task.Delay(Latency);
        var authorization = context.Request.Headers.Authorization.FirstOrDefault();
        var answer = await AnswerAsync(context.Request.Method, path, authorization, body);
        lock (_lock)
        {
            _requests.Add(new FakeRequest(context.Request.Method, path, authorization,
                context.Request.Headers.UserAgent.FirstOrDefault(), body, DateTimeOffset.UtcNow, answer.Status));
        }
        await LoopbackRest.WriteAsync(context, answer);
    }

    private async Task<RestAnswer> AnswerAsync(string method, string path, string? authorization, string body)
    {
        if (!_server.Rest.IsAuthorized(authorization))
            return await _server.Rest.AnswerAsync(method, path, authorization, body);
        if (_scripted.TryDequeue(out var scripted))
            return new RestAnswer(scripted.Status, scripted.Body, scripted.Headers ?? new Dictionary<string, string>());
        if (BucketLimit is not int limit || method != "POST" || path.Split('/') is not ["channels", var channel, "messages"])
            return await _server.Rest.AnswerAsync(method, path, authorization, body);

        var headers = new Dictionary<string, string>();
        lock (_lock)
        {
            var now = DateTimeOffset.UtcNow;
            (int Remaining, DateTimeOffset ResetAt) state = _buckets.TryGetValue(channel, out var b) && b.ResetAt > now ? b : (limit, now + BucketWindow);
            if (state.Remaining <= 0)
            {
                _bucketViolations++;
                var limited = FakeResponse.RateLimited((state.ResetAt - now).TotalSeconds);
                return new RestAnswer(429, limited.Body, limited.Headers!);
            }
            state = (state.Remaining - 1, state.ResetAt);
            _buckets[channel] = state;
            headers["X-RateLimit-Bucket"] = "fake-messages-bucket";
            headers["X-RateLimit-Limit"] = limit.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Remaining"] = state.Remaining.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Reset-After"] = (Math.Ceiling(Math.Max(0, (state.ResetAt - now).TotalMilliseconds)) / 1000).ToString("0.000", CultureInfo.InvariantCulture);
        }
        var answer = await _server.Rest.AnswerAsync(method, path, authorization, body);
        foreach (var (k, v) in answer.Headers)
            headers[k] = v;
        return answer with { Headers = headers };
    }
}
