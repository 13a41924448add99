namespace Promethean.Discord.Loopback;

/// <summary>How to start a <see cref="LoopbackDiscord"/>; every default is usable as is.</summary>
public sealed record LoopbackOptions
{
    /// <summary>The bot token the server accepts; null: a random one (read it from <see cref="LoopbackDiscord.Token"/>).</summary>
    public string? Token { get; init; }

    /// <summary>The bot's own user, the author of everything posted through REST.</summary>
    public LoopbackUser BotUser { get; init; } = new("1100000000000000001", "Duck");

    /// <summary>The guild announced after READY. With a guild, posts to channels outside it get Discord's 404 Unknown Channel;
    /// without one, any channel id is accepted and READY lists no guild.</summary>
    public LoopbackGuild? Guild { get; init; }

    /// <summary>op 10 HELLO's <c>heartbeat_interval</c> (Discord sends about 41.25 s).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(41_250);

    /// <summary>Ids of created messages count up from here; null: snowflakes from <see cref="LoopbackDiscord.Now"/>, as Discord makes them.</summary>
    public ulong? FirstMessageId { get; init; }

    /// <summary>Dispatches kept per session so a RESUME gets what it missed.</summary>
    public int ResumeBuffer { get; init; } = 5_000;

    /// <summary>Wall clock for nonce windows and for <see cref="LoopbackDiscord.Now"/>.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
