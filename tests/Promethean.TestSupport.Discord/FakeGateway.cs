using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace Promethean.TestSupport.Discord;

/// <summary>
/// The gateway half of <see cref="FakeDiscord"/>. Each connection gets HELLO, READY for a good IDENTIFY
/// (RESUMED for a good RESUME) and an ACK per heartbeat, unless the test turns those off; tests take
/// connections from <see cref="NextConnectionAsync"/> and script the rest on them.
/// </summary>
public sealed class FakeGateway
{
    public const string BotUserId = "12000000000000000001";

    private readonly FakeDiscord _owner;
    private readonly Channel<FakeGatewayConnection> _connections = Channel.CreateUnbounded<FakeGatewayConnection>();
    private readonly ConcurrentQueue<DateTimeOffset> _identifies = new();
    private readonly CancellationTokenSource _shutdown = new();
    private long _seq;
    private int _sessions;
    private int _count;

    internal FakeGateway(FakeDiscord owner) => _owner = owner;

    /// <summary>The URL <c>GET /gateway/bot</c> gives out.</summary>
    public Uri AdvertisedUrl => _owner.GatewayUrl;

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Answer heartbeats with op 11 on new connections (false: a zombied link).</summary>
    public bool AckHeartbeats { get; set; } = true;

    /// <summary>Answer IDENTIFY with READY and RESUME with RESUMED automatically.</summary>
    public bool AutoReady { get; set; } = true;

    /// <summary>When IDENTIFY was received, across connections.</summary>
    public IReadOnlyList<DateTimeOffset> Identifies => [.. _identifies];

    public int ConnectionCount => Volatile.Read(ref _count);

    public string? LastSessionId { get; private set; }

    internal long NextSeq() => Interlocked.Increment(ref _seq);

    /// <summary>Waits for the next client connection.</summary>
    public async Task<FakeGatewayConnection> NextConnectionAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        try
        {
            return await _connections.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("no gateway connection arrived");
        }
    }

    internal async Task AcceptAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }
        var socket = await context.WebSockets.AcceptWebSocketAsync();
        Interlocked.Increment(ref _count);
        var connection = new FakeGatewayConnection(this, socket, context.Request.Path.Value!, context.Request.QueryString.Value ?? "", AckHeartbeats);
        await connection.SendAsync(new JsonObject { ["op"] = 10, ["d"] = new JsonObject { ["heartbeat_interval"] = HeartbeatInterval.TotalMilliseconds } });
        _connections.Writer.TryWrite(connection);
        await connection.RunAsync(_shutdown.Token);
    }

    internal async Task OnIdentifyAsync(FakeGatewayConnection connection, JsonNode? d)
    {
        _identifies.Enqueue(DateTimeOffset.UtcNow);
        if (d?["token"]?.GetValue<string>() != _owner.Token)
        {
            await connection.CloseAsync(4004);
            return;
        }
        if (!AutoReady)
            return;
        var session = "session-" + Interlocked.Increment(ref _sessions);
        LastSessionId = session;
        await connection.SendDispatchAsync("READY", new JsonObject
        {
            ["v"] = 10,
            ["session_id"] = session,
            ["resume_gateway_url"] = _owner.ResumeUrl.ToString(),
            ["user"] = new JsonObject { ["id"] = BotUserId, ["username"] = "promethean-bot", ["bot"] = true },
            ["guilds"] = new JsonArray(),
        });
    }

    internal async Task OnResumeAsync(FakeGatewayConnection connection, JsonNode? d)
    {
        if (d?["token"]?.GetValue<string>() != _owner.Token)
        {
            await connection.CloseAsync(4004);
            return;
        }
        if (AutoReady)
            await connection.SendDispatchAsync("RESUMED", new JsonObject());
    }

    internal void Shutdown() => _shutdown.Cancel();
}
