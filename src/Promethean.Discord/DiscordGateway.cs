using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Promethean.Core.Events;

namespace Promethean.Discord;

/// <summary>
/// The Discord gateway v10 client and adapter: keeps one session alive (HELLO, heartbeats with jitter
/// and zombie detection, IDENTIFY at most once per interval, RESUME after drops, op 7 and op 9, close
/// codes) and writes each MESSAGE_CREATE from someone else as <c>discord.message/new</c> to the inbound
/// channel. It never closes with 1000/1001 while it means to resume.
/// </summary>
public sealed class DiscordGateway
{
    /// <summary>Close code we use when we mean to resume: anything but 1000/1001 keeps the session.</summary>
    public const int ResumableCloseCode = 4000;

    private const string Query = "v=10&encoding=json";

    private readonly DiscordGatewayOptions _options;
    private readonly DiscordToken _token;
    private readonly Func<CancellationToken, Task<Uri>> _gatewayUrl;
    private readonly ChannelWriter<Event> _inbound;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private string? _sessionId;
    private Uri? _resumeUrl;
    private long _seq = -1;
    private DateTimeOffset _lastIdentify = DateTimeOffset.MinValue;
    private int _warnedEmptyContent;

    /// <param name="gatewayUrl">Where to connect for a new session: a configured URL or <c>GET /gateway/bot</c>.</param>
    public DiscordGateway(DiscordGatewayOptions options, DiscordToken token, Func<CancellationToken, Task<Uri>> gatewayUrl,
        ChannelWriter<Event> inbound, TimeProvider time, ILogger log)
    {
        _options = options;
        _token = token;
        _gatewayUrl = gatewayUrl;
        _inbound = inbound;
        _time = time;
        _log = log;
    }

    /// <summary>The bot's own user id from READY (0 before).</summary>
    public ulong SelfUserId { get; private set; }

    /// <summary>Messages with empty content from others (Message Content intent missing) that were not taken in.</summary>
    public int EmptyContentDropped { get; private set; }

    /// <summary>Connects and stays connected until <paramref name="stopping"/>; throws <see cref="DiscordGatewayFatalException"/> on a fatal close.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            var resume = _sessionId is not null && _resumeUrl is not null;
            End end;
            try
            {
                var url = WithQuery(resume ? _resumeUrl! : await _gatewayUrl(stopping));
                end = await RunConnectionAsync(url, resume, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (DiscordApiException e) when (!e.Retryable)
            {
                throw new InvalidOperationException($"cannot get the Discord gateway URL: {e.Message}", e);
            }
            catch (Exception e) when (e is DiscordApiException or HttpRequestException)
            {
                _log.LogWarning("cannot get the Discord gateway URL: {Error}", e.Message);
                end = new End(EndKind.Failed);
            }

            switch (end.Kind)
            {
                case EndKind.Stopped:
                    return;
                case EndKind.Fatal:
                    throw new DiscordGatewayFatalException(end.CloseCode, DiscordGatewayFatalException.Explain(end.CloseCode)!);
                case EndKind.Reidentify:
                    ClearSession();
                    break;
            }
            failures = end.Healthy ? 0 : failures;
            if (end.Kind is EndKind.Failed or EndKind.Reidentify && end.Delay is null)
                failures++;
            var delay = end.Delay ?? Backoff(failures);
            if (delay > TimeSpan.Zero)
            {
                _log.LogInformation("Discord gateway: reconnecting in {Seconds:0.##} s ({Mode})", delay.TotalSeconds, _sessionId is null ? "identify" : "resume");
                try
                {
                    await Task.Delay(delay, _time, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<End> RunConnectionAsync(Uri url, bool resume, CancellationToken stopping)
    {
        using var socket = new ClientWebSocket();
        using var connection = new Connection(socket, CancellationTokenSource.CreateLinkedTokenSource(stopping));
        connection.Cancel.CancelAfter(_options.HandshakeTimeout);
        try
        {
            await socket.ConnectAsync(url, connection.Cancel.Token);
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException or OperationCanceledException && !stopping.IsCancellationRequested)
        {
            _log.LogWarning("Discord gateway: cannot connect to {Host}: {Error}", url.Host, e.Message);
            return new End(EndKind.Failed);
        }

        Task heartbeat = Task.CompletedTask;
        Task identify = Task.CompletedTask;
        var healthy = false;
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        try
        {
            while (true)
            {
                buffer.ResetWrittenCount();
                var received = await ReceiveMessageAsync(socket, buffer, connection.Cancel.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    var code = (int?)socket.CloseStatus ?? 1005;
                    // After the heartbeat gave up on the connection (and closed it), a close is the echo of ours and we
                    // resume; but a fatal code is the server's own close crossing ours, and the server's word wins.
                    if (connection.Zombie && DiscordGatewayFatalException.Explain(code) is null)
                        return new End(EndKind.Failed, Healthy: healthy);
                    if (!connection.Zombie)
                        await ReplyToCloseAsync(socket, code);
                    return OnServerClose(code, healthy);
                }
                using var doc = JsonDocument.Parse(buffer.WrittenMemory);
                var root = doc.RootElement;
                var op = root.GetProperty("op").GetInt32();
                var d = root.TryGetProperty("d", out var dv) ? dv : default;
                switch (op)
                {
                    case 10:
                        connection.Cancel.CancelAfter(Timeout.InfiniteTimeSpan);
                        var interval = TimeSpan.FromMilliseconds(d.GetProperty("heartbeat_interval").GetDouble());
                        heartbeat = HeartbeatLoopAsync(connection, interval);
                        // IDENTIFY may wait for its rate limit; the loop keeps reading meanwhile so ACKs are seen.
                        if (resume)
                            await SendResumeAsync(connection);
                        else
                            identify = SendIdentifyAsync(connection);
                        break;
                    case 11:
                        connection.Acked = true;
                        break;
                    case 1:
                        await SendHeartbeatAsync(connection);
                        break;
                    case 0:
                        if (root.TryGetProperty("s", out var s) && s.ValueKind == JsonValueKind.Number)
                            Interlocked.Exchange(ref _seq, s.GetInt64());
                        var type = root.TryGetProperty("t", out var t) ? t.GetString() : null;
                        if (type is "READY" or "RESUMED")
                            healthy = true;
                        await OnDispatchAsync(type, d, stopping);
                        break;
                    case 7:
                        _log.LogInformation("Discord gateway: asked to reconnect (op 7); resuming");
                        await CloseAsync(connection, ResumableCloseCode);
                        return new End(EndKind.Resume, Healthy: healthy);
                    case 9:
                        var resumable = d.ValueKind == JsonValueKind.True;
                        await CloseAsync(connection, ResumableCloseCode);
                        if (resumable)
                        {
                            _log.LogInformation("Discord gateway: invalid session (resumable); resuming");
                            return new End(EndKind.Resume, Healthy: healthy);
                        }
                        var wait = _options.InvalidSessionDelayMin + (_options.InvalidSessionDelayMax - _options.InvalidSessionDelayMin) * Random.Shared.NextDouble();
                        _log.LogInformation("Discord gateway: invalid session; identifying anew in {Seconds:0.##} s", wait.TotalSeconds);
                        return new End(EndKind.Reidentify, wait, Healthy: healthy);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            await CloseAsync(connection, (int)WebSocketCloseStatus.NormalClosure);
            return new End(EndKind.Stopped);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            if (connection.Zombie)
                return new End(EndKind.Failed, Healthy: healthy);
            _log.LogWarning("Discord gateway: connection lost: {Error}", e.Message);
            return new End(EndKind.Failed, Healthy: healthy);
        }
        finally
        {
            await connection.Cancel.CancelAsync();
            try
            {
                await Task.WhenAll(heartbeat, identify);
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException or InvalidOperationException)
            {
                // the heartbeat loop and a pending IDENTIFY end with their connection
            }
        }
    }

    private End OnServerClose(int code, bool healthy)
    {
        if (DiscordGatewayFatalException.Explain(code) is { } meaning)
        {
            _log.LogError("Discord gateway closed with fatal code {Code}: {Meaning}", code, meaning);
            return new End(EndKind.Fatal, CloseCode: code);
        }
        if (code is 4007 or 4009)
        {
            _log.LogInformation("Discord gateway closed with {Code} (session no longer valid); identifying anew", code);
            return new End(EndKind.Reidentify, Healthy: healthy);
        }
        _log.LogWarning("Discord gateway closed with {Code}; reconnecting", code);
        return new End(EndKind.Failed, Healthy: healthy);
    }

    private async Task OnDispatchAsync(string? type, JsonElement d, CancellationToken stopping)
    {
        switch (type)
        {
            case "READY":
                _sessionId = d.GetProperty("session_id").GetString();
                _resumeUrl = d.TryGetProperty("resume_gateway_url", out var r) && Uri.TryCreate(r.GetString(), UriKind.Absolute, out var ru) ? ru : null;
                var user = d.GetProperty("user");
                SelfUserId = Snowflake.Parse(user.GetProperty("id").GetString());
                _log.LogInformation("Discord gateway: ready as {User} ({Id})", user.TryGetProperty("username", out var u) ? u.GetString() : "?", SelfUserId);
                break;
            case "RESUMED":
                _log.LogInformation("Discord gateway: session resumed");
                break;
            case "MESSAGE_CREATE":
                DiscordMessageNew? message;
                try
                {
                    message = ToEvent(d);
                }
                catch (Exception e) when (e is FormatException or KeyNotFoundException or InvalidOperationException)
                {
                    _log.LogWarning("Discord: skipping a malformed MESSAGE_CREATE: {Error}", e.Message);
                    break;
                }
                if (message is not null)
                    await _inbound.WriteAsync(message, stopping);
                break;
        }
    }

    /// <summary>Maps a MESSAGE_CREATE payload; null for our own messages, filtered channels and empty content.</summary>
    internal DiscordMessageNew? ToEvent(JsonElement d)
    {
        var author = d.GetProperty("author");
        var authorId = Snowflake.Parse(author.GetProperty("id").GetString());
        if (authorId == SelfUserId)
            return null;
        var channelId = Snowflake.Parse(d.GetProperty("channel_id").GetString());
        if (_options.Channels.Count > 0 && !_options.Channels.Contains(channelId))
            return null;
        var id = Snowflake.Parse(d.GetProperty("id").GetString());
        var content = d.TryGetProperty("content", out var c) ? c.GetString() ?? "" : "";
        if (content.Length == 0)
        {
            EmptyContentDropped++;
            if (!HasAny(d, "attachments") && !HasAny(d, "embeds") && !HasAny(d, "sticker_items") && Interlocked.Exchange(ref _warnedEmptyContent, 1) == 0)
            {
                _log.LogWarning("Discord: a message from another user arrived with empty content. The privileged Message Content intent is " +
                    "probably not enabled for this bot (Developer Portal -> Bot -> Privileged Gateway Intents). Messages without text are not " +
                    "taken in, so no empty memories are stored. This warning is shown once.");
            }
            return null;
        }
        var guild = d.TryGetProperty("guild_id", out var g) && g.ValueKind == JsonValueKind.String ? Snowflake.Format(Snowflake.Parse(g.GetString())) : null;
        var name = author.TryGetProperty("global_name", out var gn) && gn.ValueKind == JsonValueKind.String ? gn.GetString()!
            : author.TryGetProperty("username", out var un) ? un.GetString() ?? "" : "";
        var isBot = author.TryGetProperty("bot", out var b) && b.ValueKind == JsonValueKind.True;
        var timestamp = d.TryGetProperty("timestamp", out var ts) && DateTimeOffset.TryParse(ts.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at.ToUnixTimeMilliseconds()
            : Snowflake.TimestampMs(id);
        return new DiscordMessageNew(Snowflake.Format(id), Snowflake.Format(channelId), guild, Snowflake.Format(authorId), name, isBot, content, timestamp);
    }

    private static bool HasAny(JsonElement d, string property) =>
        d.TryGetProperty(property, out var a) && a.ValueKind == JsonValueKind.Array && a.GetArrayLength() > 0;

    private async Task HeartbeatLoopAsync(Connection connection, TimeSpan interval)
    {
        var token = connection.Cancel.Token;
        try
        {
            await Task.Delay(interval * Random.Shared.NextDouble(), _time, token);
            while (!token.IsCancellationRequested)
            {
                if (!connection.Acked)
                {
                    _log.LogWarning("Discord gateway: no heartbeat ACK within {Ms} ms: zombied connection, reconnecting to resume", interval.TotalMilliseconds);
                    connection.Zombie = true;
                    await connection.SendCloseAsync(ResumableCloseCode, _options.HandshakeTimeout);
                    connection.Cancel.CancelAfter(_options.HandshakeTimeout);
                    return;
                }
                connection.Acked = false;
                await SendHeartbeatAsync(connection);
                await Task.Delay(interval, _time, token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // the connection ended; its receive loop decides what comes next
        }
    }

    private Task SendHeartbeatAsync(Connection connection)
    {
        var seq = Interlocked.Read(ref _seq);
        return connection.SendAsync(new JsonObject { ["op"] = 1, ["d"] = seq < 0 ? null : seq });
    }

    private async Task SendIdentifyAsync(Connection connection)
    {
        var wait = _lastIdentify + _options.IdentifyInterval - _time.GetUtcNow();
        if (wait > TimeSpan.Zero)
            await Task.Delay(wait, _time, connection.Cancel.Token);
        _lastIdentify = _time.GetUtcNow();
        _log.LogInformation("Discord gateway: identifying");
        await connection.SendAsync(new JsonObject
        {
            ["op"] = 2,
            ["d"] = new JsonObject
            {
                ["token"] = _token.Raw,
                ["intents"] = (int)_options.Intents,
                ["properties"] = new JsonObject { ["os"] = Environment.OSVersion.Platform.ToString().ToLowerInvariant(), ["browser"] = "promethean", ["device"] = "promethean" },
            },
        });
    }

    private Task SendResumeAsync(Connection connection)
    {
        _log.LogInformation("Discord gateway: resuming session at sequence {Seq}", Interlocked.Read(ref _seq));
        var seq = Interlocked.Read(ref _seq);
        return connection.SendAsync(new JsonObject
        {
            ["op"] = 6,
            ["d"] = new JsonObject { ["token"] = _token.Raw, ["session_id"] = _sessionId, ["seq"] = seq < 0 ? null : seq },
        });
    }

    private async Task CloseAsync(Connection connection, int code)
    {
        try
        {
            await connection.SendCloseAsync(code, _options.HandshakeTimeout);
            using var drain = new CancellationTokenSource(_options.HandshakeTimeout);
            var scratch = new byte[4096];
            while (connection.Socket.State is WebSocketState.CloseSent or WebSocketState.Open)
            {
                if ((await connection.Socket.ReceiveAsync(scratch, drain.Token)).MessageType == WebSocketMessageType.Close)
                    break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // a peer that does not answer the close is dropped with the socket
        }
    }

    private static async Task ReplyToCloseAsync(ClientWebSocket socket, int code)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await socket.CloseOutputAsync((WebSocketCloseStatus)(code is 1005 or 1006 ? ResumableCloseCode : code), null, timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // already closed
        }
    }

    private static async Task<ValueWebSocketReceiveResult> ReceiveMessageAsync(ClientWebSocket socket, ArrayBufferWriter<byte> buffer, CancellationToken token)
    {
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.GetMemory(16 * 1024), token);
            buffer.Advance(result.Count);
            if (result.EndOfMessage || result.MessageType == WebSocketMessageType.Close)
                return result;
        }
    }

    private void ClearSession()
    {
        _sessionId = null;
        _resumeUrl = null;
        Interlocked.Exchange(ref _seq, -1);
    }

    private TimeSpan Backoff(int failures)
    {
        if (failures <= 0)
            return TimeSpan.Zero;
        var ms = Math.Min(_options.ReconnectBackoff.TotalMilliseconds * Math.Pow(2, failures - 1), _options.ReconnectBackoffMax.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms * (0.5 + 0.5 * Random.Shared.NextDouble()));
    }

    internal static Uri WithQuery(Uri url) => new UriBuilder(url) { Query = Query }.Uri;

    private enum EndKind
    {
        Stopped,
        Resume,
        Reidentify,
        Failed,
        Fatal,
    }

    /// <summary>How a connection ended and what to do next.</summary>
    private sealed record End(EndKind Kind, TimeSpan? Delay = null, int CloseCode = 0, bool Healthy = false);

    /// <summary>One WebSocket connection: the single writer, the ACK flag and the cancellation of its loops.</summary>
    private sealed class Connection(ClientWebSocket socket, CancellationTokenSource cancel) : IDisposable
    {
        private readonly SemaphoreSlim _writer = new(1, 1);
        private volatile bool _acked = true;
        private volatile bool _zombie;

        public ClientWebSocket Socket => socket;
        public CancellationTokenSource Cancel => cancel;

        public bool Acked
        {
            get => _acked;
            set => _acked = value;
        }

        public bool Zombie
        {
            get => _zombie;
            set => _zombie = value;
        }

        /// <summary>Sends one text message; a socket allows one SendAsync at a time, so all sends queue here.</summary>
        public async Task SendAsync(JsonObject payload)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(payload);
            await _writer.WaitAsync(cancel.Token);
            try
            {
                await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancel.Token);
            }
            finally
            {
                _writer.Release();
            }
        }

        public async Task SendCloseAsync(int code, TimeSpan timeout)
        {
            using var limit = new CancellationTokenSource(timeout);
            await _writer.WaitAsync(limit.Token);
            try
            {
                if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    await socket.CloseOutputAsync((WebSocketCloseStatus)code, null, limit.Token);
            }
            finally
            {
                _writer.Release();
            }
        }

        public void Dispose()
        {
            cancel.Dispose();
            _writer.Dispose();
        }
    }
}
