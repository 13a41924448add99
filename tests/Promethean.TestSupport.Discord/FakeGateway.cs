using System.Threading.Channels;
using Promethean.Discord.Loopback;

namespace Promethean.TestSupport.Discord;

/// <summary>
/// The gateway of <see cref="FakeDiscord"/>: the loopback gateway (HELLO, READY for a good IDENTIFY, RESUMED for a
/// good RESUME, an ACK per heartbeat) whose connections are handed to the test through <see cref="NextConnectionAsync"/>.
/// </summary>
public sealed class FakeGateway
{
    public const string BotUserId = "12000000000000000001";

    private readonly LoopbackDiscord _server;
    private readonly Channel<FakeGatewayConnection> _connections = Channel.CreateUnbounded<FakeGatewayConnection>();

    internal FakeGateway(LoopbackDiscord server)
    {
        _server = server;
        server.Gateway.ConnectionOpened += c => _connections.Writer.TryWrite(new FakeGatewayConnection(c));
    }

    /// <summary>The URL <c>GET /gateway/bot</c> gives out.</summary>
    public Uri AdvertisedUrl => _server.GatewayUrl;

    public TimeSpan HeartbeatInterval
    {
        get => _server.Gateway.HeartbeatInterval;
        set => _server.Gateway.HeartbeatInterval = value;
    }

    /// <summary>Answer heartbeats with op 11 on new connections (false: a zombied link).</summary>
    public bool AckHeartbeats
    {
        get => _server.Gateway.AckHeartbeats;
        set => _server.Gateway.AckHeartbeats = value;
    }

    /// <summary>The close code the server answers a client's close with (null: the client's own).</summary>
    public int? AnswerClientCloseWith
    {
        get => _server.Gateway.AnswerClientCloseWith;
        set => _server.Gateway.AnswerClientCloseWith = value;
    }

    /// <summary>Answer IDENTIFY with READY and RESUME with RESUMED automatically.</summary>
    public bool AutoReady
    {
        get => _server.Gateway.AutoReady;
        set => _server.Gateway.AutoReady = value;
    }

    /// <summary>When IDENTIFY was received, across connections.</summary>
    public IReadOnlyList<DateTimeOffset> Identifies => _server.Gateway.Identifies;

    public int ConnectionCount => _server.Gateway.ConnectionCount;

    public string? LastSessionId => _server.Gateway.LastSessionId;

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
}
