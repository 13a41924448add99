using System.Text.Json;
using Promethean.Runtime.Import;

namespace Promethean.Discord.Loopback;

/// <summary>
/// A scripted history of a guild's channels, in delivery order, for <see cref="LoopbackDiscord.PlayAsync(ChannelHistory, double, CancellationToken)"/>.
/// Read from DiscordChatExporter JSON files (one channel per file, the format <c>promethean ingest</c> imports); a message
/// id that appears a second time in a file is a gateway re-delivery at that place.
/// </summary>
public sealed class ChannelHistory
{
    public ChannelHistory(LoopbackGuild guild, IReadOnlyList<HistoryMessage> messages)
    {
        if (messages.Count == 0)
            throw new ArgumentException("a history needs at least one message", nameof(messages));
        Guild = guild;
        Messages = messages;
    }

    public LoopbackGuild Guild { get; }

    /// <summary>Messages in delivery order (by <see cref="HistoryMessage.PlayAt"/>), re-deliveries included.</summary>
    public IReadOnlyList<HistoryMessage> Messages { get; }

    public DateTimeOffset Start => Messages[0].PlayAt;

    public DateTimeOffset End => Messages[^1].PlayAt;

    public TimeSpan Span => End - Start;

    /// <summary>The speed that plays the whole history in about <paramref name="playTime"/> (pauses capped by <see cref="PlayOptions.MaxGap"/> come off that).</summary>
    public double SpeedToFit(TimeSpan playTime) =>
        playTime > TimeSpan.Zero ? Math.Max(1, Span.TotalSeconds / playTime.TotalSeconds) : throw new ArgumentOutOfRangeException(nameof(playTime));

    /// <summary>Reads DiscordChatExporter JSON files of one guild; throws <see cref="InvalidDataException"/> on anything malformed.</summary>
    public static ChannelHistory ReadExports(IEnumerable<string> paths) =>
        FromExports(paths.Select(p => (p, File.ReadAllBytes(p))));

    /// <inheritdoc cref="ReadExports"/>
    public static ChannelHistory FromExports(IEnumerable<(string Name, byte[] Json)> exports)
    {
        string? guildId = null;
        var guildName = "";
        var channels = new List<LoopbackChannel>();
        var timed = new List<(HistoryMessage Message, int File, int Index)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var file = 0;
        foreach (var (name, json) in exports)
        {
            var read = DiscordExport.Parse(json, name);
            if (read.Problems.Count > 0)
                throw new InvalidDataException(string.Join("; ", read.Problems));
            var (guild, channel) = Header(json, name);
            if (guildId is not null && guild.Id != guildId)
                throw new InvalidDataException($"{name}: guild {guild.Id} differs from {guildId}: a history is one guild");
            guildId = guild.Id;
            guildName = guild.Name;
            channels.Add(channel);
            var playAt = DateTimeOffset.MinValue;
            var index = 0;
            foreach (var m in read.Messages)
            {
                var at = DateTimeOffset.FromUnixTimeMilliseconds(m.TimestampMs);
                var redelivery = !seen.Add(m.MessageId);
                playAt = at > playAt ? at : playAt;
                timed.Add((new HistoryMessage(m.MessageId, m.ChannelId, m.AuthorId, m.AuthorName, m.AuthorIsBot, m.Content, at, playAt, redelivery), file, index++));
            }
            file++;
        }
        if (guildId is null)
            throw new InvalidDataException("no history files");
        var ordered = timed.OrderBy(t => t.Message.PlayAt).ThenBy(t => t.File).ThenBy(t => t.Index).Select(t => t.Message).ToList();
        return new ChannelHistory(new LoopbackGuild(guildId, guildName, channels), ordered);
    }

    private static ((string Id, string Name) Guild, LoopbackChannel Channel) Header(byte[] json, string name)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        string? Str(string obj, string prop) =>
            root.TryGetProperty(obj, out var o) && o.ValueKind == JsonValueKind.Object && o.TryGetProperty(prop, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var guildId = Str("guild", "id") ?? throw new InvalidDataException($"{name}: no guild.id");
        var channelId = Str("channel", "id") ?? throw new InvalidDataException($"{name}: no channel.id");
        return ((guildId, Str("guild", "name") ?? ""), new LoopbackChannel(channelId, Str("channel", "name") ?? channelId, Str("channel", "topic")));
    }
}
