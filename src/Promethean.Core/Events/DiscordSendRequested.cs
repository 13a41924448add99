namespace Promethean.Core.Events;

/// <summary>
/// Someone outside the sessions (an operator, a scripted input, a report job) asks to post a message;
/// <see cref="Systems.DiscordSendRequestSystem"/> turns it into a <c>discord/send</c> effect.
/// </summary>
[TypeName("discord.send/requested")]
public sealed record DiscordSendRequested(string ChannelId, string Content) : Event;
