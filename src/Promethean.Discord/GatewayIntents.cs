namespace Promethean.Discord;

/// <summary>Gateway intents (bit flags sent in IDENTIFY).</summary>
[Flags]
public enum GatewayIntents
{
    None = 0,
    Guilds = 1 << 0,
    GuildMessages = 1 << 9,
    DirectMessages = 1 << 12,

    /// <summary>Privileged: without it <c>content</c> is empty for other people's messages.</summary>
    MessageContent = 1 << 15,

    /// <summary>What the agent needs: servers, their messages, DMs and the text of messages.</summary>
    Default = Guilds | GuildMessages | DirectMessages | MessageContent,
}
