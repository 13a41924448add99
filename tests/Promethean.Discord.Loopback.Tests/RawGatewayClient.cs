using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Promethean.Discord.Loopback.Tests;

/// <summary>A bare WebSocket speaking gateway v10 by hand, to see exactly what the server sends.</summary>
internal sealed class RawGatewayClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();

    public long LastSeq { get; private set; }

    public static async Task<RawGatewayClient> ConnectAsync(Uri url)
    {
        var client = new RawGatewayClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client._socket.ConnectAsync(new UriBuilder(url) { Query = "v=10&encoding=json" }.Uri, timeout.Token);
        (await client.ReceiveAsync())["op"]!.GetValue<int>().ShouldBe(10);
        return client;
    }

    /// <summary>IDENTIFY, then the READY dispatch.</summary>
    public async Task<JsonObject> IdentifyAsync(string token)
    {
        await SendAsync(new JsonObject { ["op"] = 2, ["d"] = new JsonObject { ["token"] = token, ["intents"] = 1 | 1 << 9 | 1 << 15 } });
        return await NextDispatchAsync("READY");
    }

    public Task SendAsync(JsonObject payload) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(payload.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next dispatch of <paramref name="type"/>, skipping others.</summary>
    public async Task<JsonObject> NextDispatchAsync(string type)
    {
        while (true)
        {
            var payload = await ReceiveAsync();
            if (payload["op"]!.GetValue<int>() == 0 && payload["t"]!.GetValue<string>() == type)
                return payload;
        }
    }

    /// <summary>The next payload (op 0 updates <see cref="LastSeq"/>); a close frame comes back as <c>{"close": code}</c>.</summary>
    public async Task<JsonObject> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var message = new MemoryStream();
        var buffer = new byte[16 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(buffer, timeout.Token);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        if (result.MessageType == WebSocketMessageType.Close)
            return new JsonObject { ["close"] = (int?)result.CloseStatus };
        var payload = JsonNode.Parse(message.ToArray())!.AsObject();
        if (payload["s"] is JsonValue s && s.TryGetValue<long>(out var seq))
            LastSeq = seq;
        return payload;
    }

    public async Task CloseAsync(int code)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _socket.CloseAsync((WebSocketCloseStatus)code, null, timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
            await CloseAsync(1000);
        _socket.Dispose();
    }
}
