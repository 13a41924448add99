namespace Promethean.Discord.Loopback;

/// <summary>One message of a scripted channel history.</summary>
/// <param name="Timestamp">When it was written (the MESSAGE_CREATE's <c>timestamp</c>).</param>
/// <param name="PlayAt">When it is delivered on the history's clock: its timestamp, or later for a gateway re-delivery.</param>
/// <param name="Redelivery">The gateway delivers this message (same id) a second time here, as Discord does after a resume.</param>
public sealed record HistoryMessage(string Id, string ChannelId, string AuthorId, string AuthorName, bool AuthorIsBot, string Content,
    DateTimeOffset Timestamp, DateTimeOffset PlayAt, bool Redelivery);
