namespace Promethean.Discord;

/// <summary>Knobs of the gateway client; defaults follow Discord's rules, tests shorten the waits.</summary>
public sealed class DiscordGatewayOptions
{
    public GatewayIntents Intents { get; init; } = GatewayIntents.Default;

    /// <summary>Least time between two IDENTIFY (Discord: 1 per 5 s per shard with max_concurrency 1).</summary>
    public TimeSpan IdentifyInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First reconnect delay after a failure; doubles each consecutive failure, with jitter.</summary>
    public TimeSpan ReconnectBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectBackoffMax { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>After INVALID_SESSION with d=false, wait a random time in this range before identifying anew.</summary>
    public TimeSpan InvalidSessionDelayMin { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan InvalidSessionDelayMax { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait for HELLO after connecting, and for the close handshake when we close.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Channel ids whose messages are taken in; empty: all.</summary>
    public IReadOnlySet<ulong> Channels { get; init; } = new HashSet<ulong>();
}
