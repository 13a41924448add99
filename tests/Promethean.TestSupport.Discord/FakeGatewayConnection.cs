using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Promethean.TestSupport.Discord;

/// <summary>One client connection to the fake gateway: what the client sent, and what to send it.</summary>
public sealed class FakeGatewayConnection
{
    private readonly FakeGateway _gateway;
    private readonly WebSocket _socket;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly Channel<JsonObject> _received = Channel.CreateUnbounded<JsonObject>();
    private readonly TaskCompletionSource<int?> _clientClose = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _heartbeats;

    internal FakeGatewayConnection(FakeGateway gateway, WebSocket socket, string path, string query, bool ackHeartbeats)
    {
        _gateway = gateway;
        _socket = socket;
        Path = path;
        Query = query;
        AckHeartbeats = ackHeartbeats;
    }

    /// <summary><c>/gateway</c> or <c>/resume</c>.</summary>
    public string Path { get; }

    /// <summary>The query string the client connected with, e.g. <c>?v=10&amp;encoding=json</c>.</summary>
    public string Query { get; }

    public bool AckHeartbeats { get; set; }

    public int Heartbeats => Volatile.Read(ref _heartbeats);

    /// <summary>The close code the client sent (null: the connection dropped without a close frame).</summary>
    public Task<int?> ClientClosed => _clientClose.Task;

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

    public async Task SendAsync(JsonObject payload)
    {
        var bytes = Encoding.UTF8.GetBytes(payload.ToJsonString());
        await _writer.WaitAsync();
        try
        {
            if (_socket.State == WebSocketState.Open)
                await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, CancellationToken.None);
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Sends op 0 with the next sequence number; returns it.</summary>
    public async Task<long> SendDispatchAsync(string type, JsonObject d, int fragments = 1)
    {
        var seq = _gateway.NextSeq();
        var payload = new JsonObject { ["op"] = 0, ["s"] = seq, ["t"] = type, ["d"] = d };
        if (fragments <= 1)
            await SendAsync(payload);
        else
            await SendFragmentedAsync(payload, fragments);
        return seq;
    }

    /// <summary>Sends one message as several WebSocket frames (only the last has EndOfMessage).</summary>
    public async Task SendFragmentedAsync(JsonObject payload, int fragments)
    {
        var bytes = Encoding.UTF8.GetBytes(payload.ToJsonString());
        var size = (bytes.Length + fragments - 1) / fragments;
        await _writer.WaitAsync();
        try
        {
            for (var offset = 0; offset < bytes.Length; offset += size)
            {
                var count = Math.Min(size, bytes.Length - offset);
                await _socket.SendAsync(bytes.AsMemory(offset, count), WebSocketMessageType.Text, offset + count >= bytes.Length, CancellationToken.None);
                await Task.Delay(5);
            }
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>A MESSAGE_CREATE as Discord sends it.</summary>
    public Task<long> SendMessageCreateAsync(string id, string channelId, string authorId, string content, bool authorIsBot = false, string? guildId = "900000000000000001", int fragments = 1) =>
        SendDispatchAsync("MESSAGE_CREATE", new JsonObject
        {
            ["id"] = id,
            ["channel_id"] = channelId,
            ["guild_id"] = guildId,
            ["author"] = new JsonObject { ["id"] = authorId, ["username"] = "user" + authorId[^3..], ["bot"] = authorIsBot },
            ["content"] = content,
            ["timestamp"] = "2026-11-25T12:00:00.000000+00:00",
            ["attachments"] = new JsonArray(),
            ["embeds"] = new JsonArray(),
        }, fragments);

    public Task SendOpAsync(int op, JsonNode? d) => SendAsync(new JsonObject { ["op"] = op, ["d"] = d });

    /// <summary>Closes from the server side with a close code (e.g. 4004, 4009, 4000).</summary>
    public async Task CloseAsync(int code)
    {
        await _writer.WaitAsync();
        try
        {
            if (_socket.State == WebSocketState.Open)
                await _socket.CloseOutputAsync((WebSocketCloseStatus)code, "fake close", CancellationToken.None);
        }
        catch (WebSocketException)
        {
        }
        finally
        {
            _writer.Release();
        }
    }

    internal async Task RunAsync(CancellationToken shutdown)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer, shutdown);
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _clientClose.TrySetResult((int?)result.CloseStatus);
                    if (_socket.State == WebSocketState.CloseReceived)
                        await _socket.CloseOutputAsync(result.CloseStatus ?? WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    return;
                }
                var payload = JsonNode.Parse(message.ToArray())!.AsObject();
                switch (payload["op"]?.GetValue<int>())
                {
                    case 1:
                        Interlocked.Increment(ref _heartbeats);
                        if (AckHeartbeats)
                            await SendAsync(new JsonObject { ["op"] = 11 });
                        break;
                    case 2:
                        await _gateway.OnIdentifyAsync(this, payload["d"]);
                        break;
                    case 6:
                        await _gateway.OnResumeAsync(this, payload["d"]);
                        break;
                }
                _received.Writer.TryWrite(payload);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or JsonException)
        {
            _clientClose.TrySetResult(null);
        }
        finally
        {
            _received.Writer.TryComplete();
        }
    }
}
