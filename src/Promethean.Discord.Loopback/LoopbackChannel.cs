namespace Promethean.Discord.Loopback;

/// <summary>A guild text channel of the loopback server.</summary>
public sealed record LoopbackChannel(string Id, string Name, string? Topic = null);
