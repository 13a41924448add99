using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Promethean.Discord;

/// <summary>
/// Discord REST v10 over <see cref="HttpClient"/>: authorization and user agent on every request,
/// per-route buckets, 429 (per-route and global) honored then retried, a global requests-per-second
/// cap, bounded retries with backoff for 5xx and network failures, and no retry ever for 401/403.
/// </summary>
public sealed class DiscordRestClient
{
    private static readonly string[] MajorParameters = ["channels", "guilds", "webhooks"];

    private readonly HttpClient _http;
    private readonly DiscordToken _token;
    private readonly DiscordRestOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly RateLimits _limits;
    private volatile bool _unauthorized;

    /// <summary>The client's rate-limit state (tests observe a global pause through it).</summary>
    internal RateLimits Limits => _limits;

    public DiscordRestClient(HttpClient http, DiscordToken token, DiscordRestOptions options, TimeProvider time, ILogger log)
    {
        _http = http;
        _token = token;
        _options = options;
        _time = time;
        _log = log;
        _limits = new RateLimits(time, options.GlobalRequestsPerSecond);
    }

    /// <summary>POST /channels/{id}/messages; returns the created (or, for a known nonce, the original) message id.</summary>
    public async Task<string> CreateMessageAsync(ulong channelId, string content, string nonce, IReadOnlyList<string> allowedMentions,
        CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["content"] = content,
            ["nonce"] = nonce,
            ["enforce_nonce"] = true,
            ["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray([.. allowedMentions.Select(m => (JsonNode)m)]) },
        };
        var message = await RequestAsync(HttpMethod.Post, $"channels/{Snowflake.Format(channelId)}/messages", body, cancellationToken);
        return message.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()!
            : throw new DiscordApiException(HttpStatusCode.OK, null, "created message has no id", retryable: true);
    }

    /// <summary>GET /gateway/bot: the URL to open the gateway WebSocket on.</summary>
    public async Task<Uri> GetGatewayUrlAsync(CancellationToken cancellationToken)
    {
        var info = await RequestAsync(HttpMethod.Get, "gateway/bot", null, cancellationToken);
        return info.TryGetProperty("url", out var url) && Uri.TryCreate(url.GetString(), UriKind.Absolute, out var uri)
            ? uri
            : throw new DiscordApiException(HttpStatusCode.OK, null, "gateway/bot answered without a url", retryable: true);
    }

    /// <summary>Sends one request through the rate limits and retries; returns the JSON body of the success.</summary>
    public async Task<JsonElement> RequestAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        if (_unauthorized)
            throw new DiscordApiException(HttpStatusCode.Unauthorized, 0, "the token was rejected earlier (401); not sending again", retryable: false);
        var route = RouteOf(method, path);
        var major = MajorOf(path);
        var payload = body?.ToJsonString();
        var serverErrors = 0;
        var rateLimited = 0;
        while (true)
        {
            var bucket = _limits.For(route, major);
            await bucket.Gate.WaitAsync(cancellationToken);
            try
            {
                await bucket.WaitIfExhaustedAsync(_time, cancellationToken);
                var slot = await _limits.WaitGlobalAsync(cancellationToken);
                HttpResponseMessage response;
                try
                {
                    response = await _http.SendAsync(Build(method, path, payload), HttpCompletionOption.ResponseContentRead, cancellationToken);
                }
                catch (HttpRequestException e)
                {
                    if (++serverErrors > _options.MaxServerErrorRetries)
                        throw new DiscordApiException(null, null, $"{route}: unreachable after {serverErrors} attempts: {e.Message}", retryable: true, e);
                    _log.LogWarning("Discord {Route} unreachable ({Error}); retry {Attempt} of {Max}", route, e.Message, serverErrors, _options.MaxServerErrorRetries);
                    await Task.Delay(Backoff(serverErrors), _time, cancellationToken);
                    continue;
                }
                finally
                {
                    _limits.Done(slot);
                }
                using (response)
                {
                    _limits.Observe(route, major, bucket, response.Headers);
                    var text = await response.Content.ReadAsStringAsync(cancellationToken);
                    var status = (int)response.StatusCode;
                    if (response.IsSuccessStatusCode)
                        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
                    if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    {
                        var (retryAfter, global) = ParseRateLimited(text, response.Headers);
                        if (++rateLimited > _options.MaxRateLimitRetries)
                            throw new DiscordApiException(response.StatusCode, null, $"{route}: still rate limited after {rateLimited} waits", retryable: true);
                        _log.LogWarning("Discord rate limited {Route} for {Seconds:0.###} s (global: {Global})", route, retryAfter.TotalSeconds, global);
                        if (global)
                            _limits.PauseGlobally(retryAfter);
                        else
                            await Task.Delay(retryAfter, _time, cancellationToken);
                        continue;
                    }
                    var (code, message) = ParseError(text, response.ReasonPhrase);
                    if (status >= 500)
                    {
                        if (++serverErrors > _options.MaxServerErrorRetries)
                            throw new DiscordApiException(response.StatusCode, code, $"{route}: {message} (after {serverErrors} attempts)", retryable: true);
                        _log.LogWarning("Discord {Route} answered {Status}; retry {Attempt} of {Max}", route, status, serverErrors, _options.MaxServerErrorRetries);
                        await Task.Delay(Backoff(serverErrors), _time, cancellationToken);
                        continue;
                    }
                    if (response.StatusCode == HttpStatusCode.Unauthorized)
                    {
                        _unauthorized = true;
                        _log.LogError("Discord rejected the bot token (401); no further requests will be sent");
                    }
                    throw new DiscordApiException(response.StatusCode, code, $"{route}: {message}", retryable: false);
                }
            }
            finally
            {
                bucket.Gate.Release();
            }
        }
    }

    private HttpRequestMessage Build(HttpMethod method, string path, string? payload)
    {
        var request = new HttpRequestMessage(method, new Uri(_options.BaseUrl.AbsoluteUri.TrimEnd('/') + "/" + path));
        request.Headers.TryAddWithoutValidation("Authorization", _token.AuthorizationHeader);
        request.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);
        if (payload is not null)
            request.Content = new StringContent(payload, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        return request;
    }

    private TimeSpan Backoff(int attempt)
    {
        var baseMs = _options.ServerErrorBackoff.TotalMilliseconds * Math.Pow(2, attempt - 1);
        return TimeSpan.FromMilliseconds(Math.Min(baseMs, 30_000) * (0.75 + 0.5 * Random.Shared.NextDouble()));
    }

    /// <summary>The route a bucket is keyed by: the path with ids replaced, except the major parameter's.</summary>
    internal static string RouteOf(HttpMethod method, string path)
    {
        var parts = path.Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            var isMajor = i > 0 && MajorParameters.Contains(parts[i - 1], StringComparer.Ordinal);
            if (!isMajor && Snowflake.TryParse(parts[i], out _))
                parts[i] = "{id}";
        }
        return method.Method + " /" + string.Join('/', parts);
    }

    internal static string MajorOf(string path)
    {
        var parts = path.Split('/');
        return parts.Length > 1 && MajorParameters.Contains(parts[0], StringComparer.Ordinal) ? parts[1] : "";
    }

    private static (TimeSpan RetryAfter, bool Global) ParseRateLimited(string body, HttpResponseHeaders headers)
    {
        double seconds = 1;
        var global = headers.TryGetValues("X-RateLimit-Global", out var g) && g.Any(v => v.Equals("true", StringComparison.OrdinalIgnoreCase))
            || headers.TryGetValues("X-RateLimit-Scope", out var s) && s.Any(v => v == "global");
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("retry_after", out var r) && r.ValueKind == JsonValueKind.Number)
                seconds = r.GetDouble();
            if (doc.RootElement.TryGetProperty("global", out var gl) && gl.ValueKind == JsonValueKind.True)
                global = true;
        }
        catch (JsonException)
        {
            if (headers.RetryAfter?.Delta is { } delta)
                seconds = delta.TotalSeconds;
        }
        return (TimeSpan.FromSeconds(Math.Clamp(seconds, 0, 3600)), global);
    }

    private static (int? Code, string Message) ParseError(string body, string? reason)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var code = doc.RootElement.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n : (int?)null;
            var message = doc.RootElement.TryGetProperty("message", out var m) ? m.GetString() : null;
            return (code, message ?? reason ?? "error");
        }
        catch (JsonException)
        {
            var text = body.Length > 200 ? body[..200] : body;
            return (null, string.IsNullOrWhiteSpace(text) ? reason ?? "error" : text.ReplaceLineEndings(" "));
        }
    }
}
