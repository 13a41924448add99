namespace Promethean.Discord.Loopback;

/// <summary>A Discord user as the loopback server presents it (the bot itself, or a history author).</summary>
public sealed record LoopbackUser(string Id, string Username);
