using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Promethean.Discord.Loopback;

/// <summary>
/// The gateway half of <see cref="LoopbackDiscord"/>: HELLO on connect, READY (then GUILD_CREATE) for a good IDENTIFY,
/// an ACK per heartbeat, RESUME replaying the dispatches the client missed then RESUMED, op 9 for an unknown session,
/// close 4004 for a bad token. Dispatches go to every live session with per-session sequence numbers.
/// </summary>
public sealed class LoopbackGateway
{
    private readonly LoopbackDiscord _owner;
    private readonly ConcurrentDictionary<string, GatewaySession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<DateTimeOffset> _identifies = new();
    private readonly CancellationToken _shutdown;
    private readonly TaskCompletionSource _firstReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _resumeBuffer;
    private int _sessionCount;
    private int _connectionCount;

    internal LoopbackGateway(LoopbackDiscord owner, TimeSpan heartbeatInterval, int resumeBuffer, CancellationToken shutdown)
    {
        _owner = owner;
        _shutdown = shutdown;
        HeartbeatInterval = heartbeatInterval;
        _resumeBuffer = resumeBuffer;
    }

    /// <summary>op 10 HELLO's interval for new connections.</summary>
    public TimeSpan HeartbeatInterval { get; set; }

    /// <summary>Answer heartbeats with op 11 on new connections.</summary>
    public bool AckHeartbeats { get; set; } = true;

    /// <summary>
    /// The code the server closes with when the client closes first; null echoes the client's code. A test sets it to
    /// play a server whose own close (say a fatal 4004) crossed the client's on the wire.
    /// </summary>
    public int? AnswerClientCloseWith { get; set; }

    /// <summary>Answer IDENTIFY with READY and RESUME with RESUMED (false: the test sends what it wants).</summary>
    public bool AutoReady { get; set; } = true;

    /// <summary>When IDENTIFY was received, across connections.</summary>
    public IReadOnlyList<DateTimeOffset> Identifies => [.. _identifies];

    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    public string? LastSessionId { get; private set; }

    /// <summary>Raised for each new connection before HELLO is sent, so a subscriber sees every payload on it.</summary>
    public event Action<GatewayConnection>? ConnectionOpened;

    /// <summary>Completes when a client has received READY for the first time.</summary>
    public Task WaitForReadyAsync(CancellationToken cancellationToken) => _firstReady.Task.WaitAsync(cancellationToken);

    /// <summary>Sends a dispatch to every session (those away get it on RESUME).</summary>
    public async Task DispatchAsync(string type, JsonObject d)
    {
        foreach (var session in _sessions.Values)
            await session.DispatchAsync(type, d);
    }

    internal async Task AcceptAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }
        var socket = await context.WebSockets.AcceptWebSocketAsync();
        Interlocked.Increment(ref _connectionCount);
        var connection = new GatewayConnection(this, socket, context.Request.Path.Value!, context.Request.QueryString.Value ?? "", AckHeartbeats);
        ConnectionOpened?.Invoke(connection);
        await connection.SendAsync(new JsonObject { ["op"] = 10, ["s"] = null, ["t"] = null, ["d"] = new JsonObject { ["heartbeat_interval"] = HeartbeatInterval.TotalMilliseconds } });
        await connection.RunAsync(_shutdown);
    }

    internal async Task OnIdentifyAsync(GatewayConnection connection, JsonNode? d)
    {
        _identifies.Enqueue(_owner.Time.GetUtcNow());
        if (Text(d?["token"]) != _owner.Token)
        {
            await connection.CloseAsync(4004);
            return;
        }
        if (!AutoReady)
            return;
        var session = new GatewaySession("session-" + Interlocked.Increment(ref _sessionCount), _resumeBuffer) { Connection = connection };
        connection.Session = session;
        _sessions[session.Id] = session;
        LastSessionId = session.Id;
        var guild = _owner.Guild;
        await session.DispatchAsync("READY", new JsonObject
        {
            ["v"] = 10,
            ["session_id"] = session.Id,
            ["resume_gateway_url"] = _owner.ResumeUrl.ToString(),
            ["user"] = new JsonObject { ["id"] = _owner.BotUser.Id, ["username"] = _owner.BotUser.Username, ["discriminator"] = "0", ["bot"] = true },
            ["guilds"] = guild is null ? new JsonArray() : new JsonArray(new JsonObject { ["id"] = guild.Id, ["unavailable"] = true }),
            ["application"] = new JsonObject { ["id"] = _owner.BotUser.Id, ["flags"] = 0 },
        });
        if (guild is not null)
            await session.DispatchAsync("GUILD_CREATE", GuildCreate(guild));
        _firstReady.TrySetResult();
    }

    internal async Task OnResumeAsync(GatewayConnection connection, JsonNode? d)
    {
        if (Text(d?["token"]) != _owner.Token)
        {
            await connection.CloseAsync(4004);
            return;
        }
        if (!AutoReady)
            return;
        if (Text(d?["session_id"]) is not { } id || !_sessions.TryGetValue(id, out var session))
        {
            await connection.SendOpAsync(9, false);
            return;
        }
        var seq = d?["seq"] is JsonValue s && s.TryGetValue<long>(out var n) ? n : 0;
        await session.ResumeAsync(connection, seq);
    }

    /// <summary>A client close with 1000 or 1001 ends its session (it cannot be resumed), as on Discord.</summary>
    internal void OnClientClosed(GatewayConnection connection, int? code)
    {
        if (code is 1000 or 1001 && connection.Session is { } session)
            _sessions.TryRemove(session.Id, out _);
    }

    private static JsonObject GuildCreate(LoopbackGuild guild) => new()
    {
        ["id"] = guild.Id,
        ["name"] = guild.Name,
        ["unavailable"] = false,
        ["member_count"] = 0,
        ["channels"] = new JsonArray([.. guild.Channels.Select((c, i) => (JsonNode)new JsonObject
        {
            ["id"] = c.Id,
            ["type"] = 0,
            ["guild_id"] = guild.Id,
            ["name"] = c.Name,
            ["topic"] = c.Topic,
            ["position"] = i,
        })]),
    };

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
