using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Promethean.Discord.Loopback;

/// <summary>
/// A gateway session: its sequence numbers and the dispatches it sent, kept (bounded) so a RESUME with the last
/// sequence the client saw gets everything after it, as Discord replays missed events.
/// </summary>
[SuppressMessage("Reliability", "CA1001", Justification = "the SemaphoreSlim never exposes its wait handle, so it holds nothing to dispose")]
internal sealed class GatewaySession(string id, int capacity)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Queue<(long Seq, byte[] Payload)> _sent = new();
    private long _seq;

    public string Id => id;

    /// <summary>The connection dispatches go to; null or closed while the client is away.</summary>
    public GatewayConnection? Connection { get; set; }

    /// <summary>Sends op 0 with the next sequence number to <paramref name="via"/> (default: the current connection) and keeps it for RESUME.</summary>
    public async Task<long> DispatchAsync(string type, JsonNode d, GatewayConnection? via = null, int fragments = 1)
    {
        await _gate.WaitAsync();
        try
        {
            var seq = ++_seq;
            var bytes = Payload(seq, type, d);
            _sent.Enqueue((seq, bytes));
            while (_sent.Count > capacity)
                _sent.Dequeue();
            if ((via ?? Connection) is { } connection)
                await connection.SendBytesAsync(bytes, fragments);
            return seq;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Moves the session to <paramref name="connection"/>, replays what came after <paramref name="seq"/>, then RESUMED.</summary>
    public async Task ResumeAsync(GatewayConnection connection, long seq)
    {
        await _gate.WaitAsync();
        try
        {
            Connection = connection;
            connection.Session = this;
            foreach (var (s, bytes) in _sent)
            {
                if (s > seq)
                    await connection.SendBytesAsync(bytes);
            }
        }
        finally
        {
            _gate.Release();
        }
        await DispatchAsync("RESUMED", new JsonObject());
    }

    public static byte[] Payload(long seq, string type, JsonNode d) =>
        JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["op"] = 0, ["s"] = seq, ["t"] = type, ["d"] = d.DeepClone() });
}
