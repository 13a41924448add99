
namespace Promethean.Core.Events;

/// <summary>A Discord message seen by the gateway or an import (seed 3.1).</summary>
[TypeName("discord.message/new")]
public sealed record DiscordMessageNew(string MessageId, string ChannelId, string? GuildId, string AuthorId, string AuthorName, bool AuthorIsBot, string Content, long TimestampMs) : Event;
