using System.Collections.Immutable;
using Promethean.Core.Effects;
using Promethean.Core.Events;

namespace Promethean.Core.Systems;

/// <summary>
/// Turns each <c>discord.send/requested</c> of this tick into a <c>discord/send</c> effect, in arrival
/// order, so requested posts go through the outbox and the nonce like every other send.
/// </summary>
public static class DiscordSendRequestSystem
{
    public const string Source = "request";

    private static readonly ImmutableSortedDictionary<string, string> RequestMeta =
        ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal).Add("source", Source);

    public static World Update(World world, IStoreReader stores)
    {
        var sends = world.EventsIn.OfType<DiscordSendRequested>()
            .Where(r => r.Content.Trim().Length > 0)
            .Select(r => (Effect)new DiscordSend(r.ChannelId, r.Content) { Meta = RequestMeta })
            .ToList();
        return world.Do(sends);
    }
}
