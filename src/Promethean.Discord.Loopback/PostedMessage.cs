namespace Promethean.Discord.Loopback;

/// <summary>A message the bot created through <c>POST /channels/{id}/messages</c>, as the loopback server recorded it.</summary>
/// <param name="AllowedMentions">The request's <c>allowed_mentions</c> object as JSON, empty when absent.</param>
/// <param name="At">Creation time on the server's clock (<see cref="LoopbackDiscord.Now"/>: history time while a history plays).</param>
public sealed record PostedMessage(string Id, string ChannelId, string Content, string? Nonce, string AllowedMentions, DateTimeOffset At);
