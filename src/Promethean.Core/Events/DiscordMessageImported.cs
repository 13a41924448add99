namespace Promethean.Core.Events;

/// <summary>
/// A Discord message read from an export (<c>promethean ingest</c>): history. memory.ingest stores it as it stores a
/// live message (same source key, so a message both imported and seen live is one memory), and no session has it
/// routed by channel: the agent does not answer the past. A session that wants imports subscribes to this type.
/// </summary>
[TypeName("discord.message/imported")]
public sealed record DiscordMessageImported(DiscordMessageNew Message) : Event;
