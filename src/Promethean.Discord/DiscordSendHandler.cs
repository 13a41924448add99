using System.Collections.Immutable;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Runtime.Handlers;

namespace Promethean.Discord;

/// <summary>
/// Runs <c>discord/send</c>: splits the content at 2000 code points and posts the parts in order, each
/// with its deterministic nonce and <c>enforce_nonce</c>, so a send re-dispatched after a crash or a
/// retry returns the already posted messages instead of posting twice.
/// </summary>
public sealed class DiscordSendHandler(DiscordRestClient rest, IReadOnlyList<string> allowedMentions) : EffectHandler<DiscordSend>
{
    protected override async Task<Event> HandleAsync(DiscordSend effect, CancellationToken cancellationToken)
    {
        if (!Snowflake.TryParse(effect.ChannelId, out var channel))
            throw new EffectFailedException($"'{effect.ChannelId}' is not a Discord channel id");
        var parts = MessageSplitter.Split(effect.Content);
        var ids = ImmutableArray.CreateBuilder<string>(parts.Count);
        for (var i = 0; i < parts.Count; i++)
        {
            if (MessageSplitter.IsBlank(parts[i]))
                continue; // Discord refuses an empty message; a blank part carries nothing
            try
            {
                ids.Add(await rest.CreateMessageAsync(channel, parts[i], MessageNonce.For(effect.Id, i), allowedMentions, cancellationToken));
            }
            catch (DiscordApiException e)
            {
                var sent = ids.Count == 0 ? "" : $" ({ids.Count} earlier part(s) posted; a retry returns them by nonce)";
                throw new EffectFailedException($"part {i + 1} of {parts.Count}: {e.Message}{sent}", e.Retryable);
            }
        }
        if (ids.Count == 0)
            throw new EffectFailedException("nothing to send: the content is empty");
        return new DiscordSendResult(effect.Id, effect.ChannelId, ids.ToImmutable()) { Meta = effect.Meta };
    }
}
