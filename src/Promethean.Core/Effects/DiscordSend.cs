namespace Promethean.Core.Effects;

/// <summary>Post a message to a Discord channel; the effect id is the nonce so a resend cannot post twice.</summary>
[TypeName("discord/send")]
public sealed record DiscordSend(string ChannelId, string Content) : Effect;
