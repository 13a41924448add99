using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Promethean.Discord.Loopback;

/// <summary>
/// The REST half of <see cref="LoopbackDiscord"/>: <c>GET gateway/bot</c> and <c>POST channels/{id}/messages</c> as
/// Discord answers them: <c>Bot</c> authorization, 2000-character and 25-character nonce limits, <c>allowed_mentions</c>
/// checked, and <c>nonce</c> + <c>enforce_nonce</c> returning the already created message inside the nonce window.
/// Every created message is echoed to the gateway as MESSAGE_CREATE from the bot.
/// </summary>
public sealed class LoopbackRest
{
    private const int SnowflakeWorker = 2;
    private static readonly string[] MentionTypes = ["users", "roles", "everyone"];

    private readonly LoopbackDiscord _owner;
    private readonly Lock _lock = new();
    private readonly List<PostedMessage> _posted = [];
    private readonly Dictionary<string, (PostedMessage Message, DateTimeOffset At)> _nonces = new(StringComparer.Ordinal);
    private ulong _lastId;
    private int _nonceHits;

    internal LoopbackRest(LoopbackDiscord owner, ulong? firstMessageId)
    {
        _owner = owner;
        _lastId = firstMessageId is { } first ? first - 1 : 0;
        SequentialIds = firstMessageId is not null;
    }

    /// <summary>How long a nonce is remembered (Discord: a few minutes).</summary>
    public TimeSpan NonceWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Sends answered with an existing message because of a known nonce.</summary>
    public int NonceHits
    {
        get
        {
            lock (_lock)
                return _nonceHits;
        }
    }

    private bool SequentialIds { get; }

    /// <summary>Messages created, in order (a send answered by nonce creates nothing).</summary>
    public IReadOnlyList<PostedMessage> Posted
    {
        get
        {
            lock (_lock)
                return [.. _posted];
        }
    }

    public bool IsAuthorized(string? authorization) => authorization == "Bot " + _owner.Token;

    /// <summary>Answers one request as Discord would.</summary>
    /// <param name="path">The path under <c>/api/v10/</c>, e.g. <c>channels/123/messages</c>.</param>
    public async Task<RestAnswer> AnswerAsync(string method, string path, string? authorization, string body)
    {
        if (!IsAuthorized(authorization))
            return RestAnswer.Json(401, """{"message": "401: Unauthorized", "code": 0}""");
        if (method == "GET" && path == "gateway/bot")
        {
            return RestAnswer.Json(200, new JsonObject
            {
                ["url"] = _owner.GatewayUrl.ToString(),
                ["shards"] = 1,
                ["session_start_limit"] = new JsonObject { ["total"] = 1000, ["remaining"] = 1000, ["reset_after"] = 86_400_000, ["max_concurrency"] = 1 },
            }.ToJsonString());
        }
        if (method == "POST" && path.Split('/') is ["channels", var channel, "messages"])
            return await CreateMessageAsync(channel, body);
        return RestAnswer.Json(404, """{"message": "404: Not Found", "code": 0}""");
    }

    private async Task<RestAnswer> CreateMessageAsync(string channel, string body)
    {
        var guild = _owner.Guild;
        if (!Snowflake.TryParse(channel, out _) || guild is not null && guild.Channel(channel) is null)
            return RestAnswer.Json(404, """{"message": "Unknown Channel", "code": 10003}""");
        JsonObject request;
        try
        {
            request = JsonNode.Parse(body) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException)
        {
            return RestAnswer.Json(400, """{"message": "The request body contains invalid JSON.", "code": 50109}""");
        }
        var content = request["content"] is JsonValue c && c.TryGetValue<string>(out var text) ? text : "";
        if (content.Trim().Length == 0)
            return RestAnswer.Json(400, """{"message": "Cannot send an empty message", "code": 50006}""");
        if (content.EnumerateRunes().Count() > 2000)
            return FormError("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.");
        var nonce = request["nonce"] is JsonValue n ? (n.TryGetValue<string>(out var s) ? s : n.ToJsonString()) : null;
        if (nonce is { Length: > 25 })
            return FormError("nonce", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
        if (request["allowed_mentions"] is { } mentions && !ValidMentions(mentions))
            return FormError("allowed_mentions", "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE", "Allowed mentions parse values must be users, roles or everyone.");
        var enforce = request["enforce_nonce"] is JsonValue e && e.TryGetValue<bool>(out var en) && en;

        PostedMessage message;
        lock (_lock)
        {
            var wall = _owner.Time.GetUtcNow();
            if (nonce is not null && enforce && _nonces.TryGetValue(nonce, out var seen) && wall - seen.At < NonceWindow)
            {
                _nonceHits++;
                return RestAnswer.Json(200, MessageJson(seen.Message));
            }
            var at = _owner.Now;
            message = new PostedMessage(Snowflake.Format(NextId(at)), channel, content, nonce, request["allowed_mentions"]?.ToJsonString() ?? "", at);
            _posted.Add(message);
            if (nonce is not null)
                _nonces[nonce] = (message, wall);
        }
        await _owner.Gateway.DispatchAsync("MESSAGE_CREATE", Payload(message));
        _owner.OnPosted(message);
        return RestAnswer.Json(200, MessageJson(message));
    }

    internal async Task HandleAsync(HttpContext context, string path)
    {
        var body = await new StreamReader(context.Request.Body, Encoding.UTF8).ReadToEndAsync(context.RequestAborted);
        var answer = await AnswerAsync(context.Request.Method, path, context.Request.Headers.Authorization.FirstOrDefault(), body);
        await WriteAsync(context, answer);
    }

    /// <summary>Writes an answer as the HTTP response.</summary>
    public static async Task WriteAsync(HttpContext context, RestAnswer answer)
    {
        context.Response.StatusCode = answer.Status;
        foreach (var (k, v) in answer.Headers)
            context.Response.Headers[k] = v;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.Body);
    }

    private ulong NextId(DateTimeOffset at)
    {
        if (SequentialIds)
            return ++_lastId;
        var id = Math.Max(LoopbackPayloads.Snowflake(at, SnowflakeWorker, 0), _lastId + 1);
        _lastId = id;
        return id;
    }

    private static bool ValidMentions(JsonNode mentions) =>
        mentions is JsonObject o
        && (o["parse"] is null || o["parse"] is JsonArray parse && parse.All(p => p is JsonValue v && v.TryGetValue<string>(out var t) && MentionTypes.Contains(t)));

    private static RestAnswer FormError(string field, string code, string message) => RestAnswer.Json(400, new JsonObject
    {
        ["message"] = "Invalid Form Body",
        ["code"] = 50035,
        ["errors"] = new JsonObject { [field] = new JsonObject { ["_errors"] = new JsonArray(new JsonObject { ["code"] = code, ["message"] = message }) } },
    }.ToJsonString());

    private JsonObject Payload(PostedMessage m) =>
        LoopbackPayloads.Message(m.Id, m.ChannelId, _owner.Guild?.Id, _owner.BotUser.Id, _owner.BotUser.Username, true, m.Content, m.At, m.Nonce);

    private string MessageJson(PostedMessage m)
    {
        var json = Payload(m);
        json.Remove("guild_id");
        return json.ToJsonString();
    }
}
