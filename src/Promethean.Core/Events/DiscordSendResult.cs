using System.Collections.Immutable;

namespace Promethean.Core.Events;

/// <summary>A <c>discord/send</c> effect posted its message parts.</summary>
[TypeName("discord/send.result")]
public sealed record DiscordSendResult(string EffectId, string ChannelId, ImmutableArray<string> MessageIds) : Event, IEffectOutcome
{
    public ImmutableSortedDictionary<string, string> Meta { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
}
