using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Promethean.TestSupport.Discord;

/// <summary>A message the fake REST server created.</summary>
public sealed record FakeMessage(string Id, string ChannelId, string Content, string? Nonce, string AllowedMentions);

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
/// The REST half of <see cref="FakeDiscord"/>: <c>POST channels/{id}/messages</c> and <c>GET gateway/bot</c>,
/// with optional per-channel buckets, scripted responses and Discord's nonce enforcement (a repeated
/// nonce with <c>enforce_nonce</c> inside the window returns the original message, creating nothing).
/// </summary>
public sealed class FakeRest
{
    /// <summary>Message ids start past <c>long.MaxValue</c> so a client doing long math breaks visibly.</summary>
    public const ulong FirstMessageId = 10_000_000_000_000_000_000UL;

    private readonly string _token;
    private readonly FakeDiscord _owner;
    private readonly Lock _lock = new();
    private readonly List<FakeMessage> _messages = [];
    private readonly Dictionary<string, (FakeMessage Message, DateTimeOffset At)> _nonces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Remaining, DateTimeOffset ResetAt)> _buckets = new(StringComparer.Ordinal);
    private readonly List<FakeRequest> _requests = [];
    private readonly ConcurrentQueue<FakeResponse> _scripted = new();
    private ulong _nextId = FirstMessageId;

    internal FakeRest(string token, FakeDiscord owner)
    {
        _token = token;
        _owner = owner;
    }

    /// <summary>Requests allowed per channel bucket per window; null: no bucket headers, no per-route limit.</summary>
    public int? BucketLimit { get; set; }

    public TimeSpan BucketWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long Discord remembers a nonce.</summary>
    public TimeSpan NonceWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Added latency per request, to make a burst last.</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.Zero;

    /// <summary>Requests sent while their bucket had nothing remaining (a client bug): answered 429.</summary>
    public int BucketViolations { get; private set; }

    /// <summary>Sends answered with an existing message because of a known nonce.</summary>
    public int NonceHits { get; private set; }

    public IReadOnlyList<FakeMessage> Messages
    {
        get
        {
            lock (_lock)
                return [.. _messages];
        }
    }

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
        var (status, json, headers) = Answer(context.Request.Method, path, context.Request.Headers.Authorization.ToString(), body);
        lock (_lock)
        {
            _requests.Add(new FakeRequest(context.Request.Method, path, context.Request.Headers.Authorization.FirstOrDefault(),
                context.Request.Headers.UserAgent.FirstOrDefault(), body, DateTimeOffset.UtcNow, status));
        }
        context.Response.StatusCode = status;
        foreach (var (k, v) in headers)
            context.Response.Headers[k] = v;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json);
    }

    private (int Status, string Body, IReadOnlyDictionary<string, string> Headers) Answer(string method, string path, string authorization, string body)
    {
        var none = new Dictionary<string, string>();
        if (authorization != "Bot " + _token)
            return (401, """{"message": "401: Unauthorized", "code": 0}""", none);
        if (_scripted.TryDequeue(out var scripted))
            return (scripted.Status, scripted.Body, scripted.Headers ?? none);

        if (method == "GET" && path == "gateway/bot")
            return (200, JsonSerializer.Serialize(new { url = _owner.Gateway.AdvertisedUrl.ToString(), shards = 1 }), none);

        var parts = path.Split('/');
        if (method != "POST" || parts is not ["channels", var channel, "messages"])
            return (404, """{"message": "404: Not Found", "code": 0}""", none);

        lock (_lock)
        {
            var headers = new Dictionary<string, string>();
            if (BucketLimit is int limit)
            {
                var now = DateTimeOffset.UtcNow;
                (int Remaining, DateTimeOffset ResetAt) state = _buckets.TryGetValue(channel, out var b) && b.ResetAt > now ? b : (limit, now + BucketWindow);
                if (state.Remaining <= 0)
                {
                    BucketViolations++;
                    var retry = (state.ResetAt - now).TotalSeconds;
                    var limited = FakeResponse.RateLimited(retry);
                    return (429, limited.Body, limited.Headers!);
                }
                state = (state.Remaining - 1, state.ResetAt);
                _buckets[channel] = state;
                headers["X-RateLimit-Bucket"] = "fake-messages-bucket";
                headers["X-RateLimit-Limit"] = limit.ToString(CultureInfo.InvariantCulture);
                headers["X-RateLimit-Remaining"] = state.Remaining.ToString(CultureInfo.InvariantCulture);
                headers["X-RateLimit-Reset-After"] = (Math.Ceiling(Math.Max(0, (state.ResetAt - now).TotalMilliseconds)) / 1000).ToString("0.000", CultureInfo.InvariantCulture);
            }

            JsonObject request;
            try
            {
                request = JsonNode.Parse(body)!.AsObject();
            }
            catch (JsonException)
            {
                return (400, """{"message": "The request body contains invalid JSON.", "code": 50109}""", headers);
            }
            var content = request["content"]?.GetValue<string>() ?? "";
            if (content.Trim().Length == 0)
                return (400, """{"message": "Cannot send an empty message", "code": 50006}""", headers);
            if (content.EnumerateRunes().Count() > 2000)
                return (400, """{"message": "Invalid Form Body", "code": 50035, "errors": {"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}}}""", headers);
            var nonce = request["nonce"]?.GetValue<string>();
            if (nonce is { Length: > 25 })
                return (400, """{"message": "Invalid Form Body", "code": 50035}""", headers);
            var enforce = request["enforce_nonce"]?.GetValue<bool>() ?? false;
            if (nonce is not null && enforce && _nonces.TryGetValue(nonce, out var seen) && DateTimeOffset.UtcNow - seen.At < NonceWindow)
            {
                NonceHits++;
                return (200, MessageJson(seen.Message), headers);
            }
            var message = new FakeMessage((_nextId++).ToString(CultureInfo.InvariantCulture), channel, content, nonce,
                request["allowed_mentions"]?.ToJsonString() ?? "");
            _messages.Add(message);
            if (nonce is not null)
                _nonces[nonce] = (message, DateTimeOffset.UtcNow);
            return (200, MessageJson(message), headers);
        }
    }

    private static string MessageJson(FakeMessage m) =>
        JsonSerializer.Serialize(new { id = m.Id, channel_id = m.ChannelId, content = m.Content, nonce = m.Nonce });
}
