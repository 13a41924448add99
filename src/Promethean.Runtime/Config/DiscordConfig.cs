namespace Promethean.Runtime.Config;

/// <summary>
/// Discord connection settings. The token itself is never in configuration: only the name of the
/// environment variable that holds it. No token in that variable means Discord stays off.
/// </summary>
public sealed class DiscordConfig
{
    /// <summary>Environment variable holding the bot token (with or without a leading "Bot ").</summary>
    public string TokenEnvironmentVariable { get; set; } = "DISCORD_TOKEN";

    /// <summary>Gateway URL to connect to instead of asking <c>GET /gateway/bot</c>; empty: ask.</summary>
    public string GatewayUrl { get; set; } = "";

    /// <summary>REST base URL including the API version.</summary>
    public string RestBaseUrl { get; set; } = "https://discord.com/api/v10";

    /// <summary>Mention types a sent message may ping (<c>users</c>, <c>roles</c>, <c>everyone</c>); empty: none.</summary>
    public List<string> AllowedMentions { get; set; } = [];

    /// <summary>Channel ids whose messages are taken in; empty: every channel the bot can see.</summary>
    public List<string> Channels { get; set; } = [];
}
