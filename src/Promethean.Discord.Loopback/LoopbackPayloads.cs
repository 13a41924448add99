using System.Globalization;
using System.Text.Json.Nodes;

namespace Promethean.Discord.Loopback;

/// <summary>Discord's JSON shapes as the loopback server (and the test fake) send them.</summary>
public static class LoopbackPayloads
{
    /// <summary>Discord's ISO 8601 form, e.g. <c>2026-03-10T09:14:03.123000+00:00</c>.</summary>
    public static string Timestamp(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);

    /// <summary>A message object (the body of a created message, the <c>d</c> of MESSAGE_CREATE).</summary>
    public static JsonObject Message(string id, string channelId, string? guildId, string authorId, string username, bool authorIsBot,
        string content, DateTimeOffset timestamp, string? nonce = null)
    {
        var message = new JsonObject
        {
            ["id"] = id,
            ["type"] = 0,
            ["channel_id"] = channelId,
            ["author"] = new JsonObject { ["id"] = authorId, ["username"] = username, ["global_name"] = null, ["discriminator"] = "0", ["bot"] = authorIsBot },
            ["content"] = content,
            ["timestamp"] = Timestamp(timestamp),
            ["edited_timestamp"] = null,
            ["tts"] = false,
            ["mention_everyone"] = false,
            ["mentions"] = new JsonArray(),
            ["attachments"] = new JsonArray(),
            ["embeds"] = new JsonArray(),
            ["pinned"] = false,
        };
        if (guildId is not null)
            message["guild_id"] = guildId;
        if (nonce is not null)
            message["nonce"] = nonce;
        return message;
    }

    /// <summary>A snowflake for <paramref name="at"/>: milliseconds since Discord's epoch in the top 42 bits, then worker and increment.</summary>
    public static ulong Snowflake(DateTimeOffset at, int worker, int increment) =>
        ((ulong)(at.ToUnixTimeMilliseconds() - Promethean.Discord.Snowflake.DiscordEpochMs) << 22) | ((ulong)(uint)(worker & 0x1F) << 17) | (uint)(increment & 0xFFF);
}
