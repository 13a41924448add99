namespace Promethean.Discord;

/// <summary>The gateway closed with a code that reconnecting cannot fix (bad token, bad intents, ...). The CLI prints it and exits 1.</summary>
public sealed class DiscordGatewayFatalException(int closeCode, string meaning)
    : InvalidOperationException($"Discord closed the gateway with code {closeCode} ({meaning}); not reconnecting")
{
    public int CloseCode { get; } = closeCode;

    /// <summary>What a fatal close code means and what to do about it; null when the code is not fatal.</summary>
    public static string? Explain(int code) => code switch
    {
        4004 => "authentication failed: the bot token is wrong or was reset",
        4010 => "invalid shard",
        4011 => "sharding required: the bot is in too many guilds for one connection",
        4012 => "invalid API version",
        4013 => "invalid intents",
        4014 => "disallowed intents: enable the Message Content intent for the bot in the Developer Portal",
        _ => null,
    };
}
