using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Promethean.Discord.Loopback;

namespace Promethean.TestSupport.Discord;

/// <summary>One client connection to the fake gateway: what the client sent (in order, to wait on), and what to send it.</summary>
public sealed class FakeGatewayConnection
{
    private readonly GatewayConnection _connection;
    private readonly Channel<JsonObject> _received = Channel.CreateUnbounded<JsonObject>();

    internal FakeGatewayConnection(GatewayConnection connection)
    {
        _connection = connection;
        connection.Received += p => _received.Writer.TryWrite(p);
        connection.ClientClosed.ContinueWith(_ => _received.Writer.TryComplete(), TaskScheduler.Default);
    }

    /// <summary><c>/gateway</c> or <c>/resume</c>.</summary>
    public string Path => _connection.Path;

    /// <summary>The query string the client connected with, e.g. <c>?v=10&amp;encoding=json</c>.</summary>
    public string Query => _connection.Query;

    public bool AckHeartbeats
    {
        get => _connection.AckHeartbeats;
        set => _connection.AckHeartbeats = value;
    }

    public int Heartbeats => _connection.Heartbeats;

    /// <summary>The close code the client sent (null: the connection dropped without a close frame).</summary>
    public Task<int?> ClientClosed => _connection.ClientClosed;

    /// <summary>Waits for the next payload with opcode <paramref name="op"/> from the client, skipping others.</summary>
    public Task<JsonObject> NextAsync(int op, TimeSpan? timeout = null) => NextOfAsync([op], timeout);

    /// <summary>Waits for the next payload whose opcode is one of <paramref name="ops"/>, skipping others.</summary>
    public async Task<JsonObject> NextOfAsync(IReadOnlyCollection<int> ops, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        try
        {
            while (true)
            {
                var payload = await _received.Reader.ReadAsync(cts.Token);
                if (ops.Contains(payload["op"]?.GetValue<int>() ?? -1))
                    return payload;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            throw new TimeoutException($"the client sent no op {string.Join('/', ops)} on this connection");
        }
    }

    public Task SendAsync(JsonObject payload) => _connection.SendAsync(payload);

    /// <summary>Sends op 0 with the session's next sequence number; returns it.</summary>
    public Task<long> SendDispatchAsync(string type, JsonObject d, int fragments = 1) => _connection.SendDispatchAsync(type, d, fragments);

    /// <summary>Sends one message as several WebSocket frames (only the last has EndOfMessage).</summary>
    public Task SendFragmentedAsync(JsonObject payload, int fragments) =>
        _connection.SendBytesAsync(JsonSerializer.SerializeToUtf8Bytes(payload), fragments);

    /// <summary>A MESSAGE_CREATE as Discord sends it.</summary>
    public Task<long> SendMessageCreateAsync(string id, string channelId, string authorId, string content, bool authorIsBot = false, string? guildId = "900000000000000001", int fragments = 1) =>
        SendDispatchAsync("MESSAGE_CREATE", LoopbackPayloads.Message(id, channelId, guildId, authorId, "user" + authorId[^3..], authorIsBot, content,
            new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero)), fragments);

    public Task SendOpAsync(int op, JsonNode? d) => _connection.SendOpAsync(op, d);

    /// <summary>Closes from the server side with a close code (e.g. 4004, 4009, 4000).</summary>
    public Task CloseAsync(int code) => _connection.CloseAsync(code);
}
