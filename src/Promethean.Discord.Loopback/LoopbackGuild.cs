namespace Promethean.Discord.Loopback;

/// <summary>The one guild the loopback bot is in: announced in READY and GUILD_CREATE; posts go to its channels.</summary>
public sealed record LoopbackGuild(string Id, string Name, IReadOnlyList<LoopbackChannel> Channels)
{
    public LoopbackChannel? Channel(string id) => Channels.FirstOrDefault(c => c.Id == id);
}
