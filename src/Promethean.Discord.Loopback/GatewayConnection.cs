using System.Diagnostics.CodeAnalysis;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Promethean.Discord.Loopback;

/// <summary>
/// One client WebSocket on the loopback gateway: the single writer, the receive loop (heartbeat ACKs, IDENTIFY,
/// RESUME) and the session it serves. Tests script it directly; the server dispatches through its session.
/// </summary>
[SuppressMessage("Reliability", "CA1001", Justification = "the SemaphoreSlim never exposes its wait handle, so it holds nothing to dispose")]
public sealed class GatewayConnection
{
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);

    private readonly LoopbackGateway _gateway;
    private readonly WebSocket _socket;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly TaskCompletionSource<int?> _clientClose = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _heartbeats;
    private long _unsessionedSeq;

    internal GatewayConnection(LoopbackGateway gateway, WebSocket socket, string path, string query, bool ackHeartbeats)
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

    /// <summary>Answer heartbeats with op 11 (false: the link looks zombied to the client).</summary>
    public bool AckHeartbeats { get; set; }

    public int Heartbeats => Volatile.Read(ref _heartbeats);

    /// <summary>The session this connection serves since its READY or RESUMED; null before.</summary>
    public string? SessionId => Session?.Id;

    /// <summary>The close code the client sent (null: the connection dropped without a close frame).</summary>
    public Task<int?> ClientClosed => _clientClose.Task;

    public bool IsOpen => _socket.State == WebSocketState.Open;

    /// <summary>Each payload the client sent, after the server acted on it (so READY precedes the IDENTIFY seen here).</summary>
    public event Action<JsonObject>? Received;

    internal GatewaySession? Session { get; set; }

    public Task SendAsync(JsonObject payload) => SendBytesAsync(JsonSerializer.SerializeToUtf8Bytes(payload));

    public Task SendOpAsync(int op, JsonNode? d) => SendAsync(new JsonObject { ["op"] = op, ["d"] = d });

    /// <summary>Sends op 0 with the session's next sequence number (kept for RESUME); returns that number.</summary>
    public Task<long> SendDispatchAsync(string type, JsonObject d, int fragments = 1)
    {
        if (Session is { } session)
            return session.DispatchAsync(type, d, this, fragments);
        var seq = Interlocked.Increment(ref _unsessionedSeq);
        return SendDispatchBytesAsync(GatewaySession.Payload(seq, type, d), seq, fragments);
    }

    private async Task<long> SendDispatchBytesAsync(byte[] bytes, long seq, int fragments)
    {
        await SendBytesAsync(bytes, fragments);
        return seq;
    }

    /// <summary>Sends one message, as several WebSocket frames when <paramref name="fragments"/> &gt; 1 (only the last ends the message).
    /// A dead socket is not an error here: the session keeps the dispatch for the client's RESUME.</summary>
    internal async Task SendBytesAsync(byte[] bytes, int fragments = 1)
    {
        using var timeout = new CancellationTokenSource(SendTimeout);
        await _writer.WaitAsync(timeout.Token);
        try
        {
            if (_socket.State != WebSocketState.Open)
                return;
            if (fragments <= 1)
            {
                await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, timeout.Token);
                return;
            }
            var size = (bytes.Length + fragments - 1) / fragments;
            for (var offset = 0; offset < bytes.Length; offset += size)
            {
                var count = Math.Min(size, bytes.Length - offset);
                await _socket.SendAsync(bytes.AsMemory(offset, count), WebSocketMessageType.Text, offset + count >= bytes.Length, timeout.Token);
                await Task.Delay(5, timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // the client is gone or stuck; it resumes and gets the session's dispatches again
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Closes from the server side with a close code (e.g. 4004, 4009, 4000).</summary>
    public async Task CloseAsync(int code)
    {
        await _writer.WaitAsync();
        try
        {
            if (_socket.State == WebSocketState.Open)
                await _socket.CloseOutputAsync((WebSocketCloseStatus)code, "loopback close", CancellationToken.None);
        }
        catch (WebSocketException)
        {
            // already gone
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
                    var code = (int?)result.CloseStatus;
                    _gateway.OnClientClosed(this, code);
                    _clientClose.TrySetResult(code);
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        var answer = _gateway.AnswerClientCloseWith is { } with ? (WebSocketCloseStatus)with : result.CloseStatus ?? WebSocketCloseStatus.NormalClosure;
                        await _socket.CloseOutputAsync(answer, null, CancellationToken.None);
                    }
                    return;
                }
                JsonObject payload;
                try
                {
                    payload = JsonNode.Parse(Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length)) as JsonObject ?? throw new JsonException("not an object");
                }
                catch (JsonException)
                {
                    await CloseAsync(4002); // Discord: decode error
                    continue;
                }
                switch (payload["op"] is JsonValue op && op.TryGetValue<int>(out var o) ? o : -1)
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
                Received?.Invoke(payload);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            _clientClose.TrySetResult(null);
        }
    }
}
