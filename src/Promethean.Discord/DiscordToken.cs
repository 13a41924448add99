namespace Promethean.Discord;

/// <summary>
/// The bot token. Its <see cref="ToString"/> never shows it, so it cannot leak through a log template,
/// an exception message or a serialized object by accident.
/// </summary>
public sealed class DiscordToken
{
    private readonly string _value;

    public DiscordToken(string value)
    {
        var v = value.Trim();
        if (v.StartsWith("Bot ", StringComparison.OrdinalIgnoreCase))
            v = v[4..].Trim();
        if (v.Length == 0)
            throw new ArgumentException("the Discord token is empty", nameof(value));
        _value = v;
    }

    /// <summary>Reads the token from an environment variable; null when it is unset or blank.</summary>
    public static DiscordToken? FromEnvironment(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrWhiteSpace(value) ? null : new DiscordToken(value);
    }

    /// <summary>The raw token, as IDENTIFY wants it (no "Bot " prefix).</summary>
    internal string Raw => _value;

    /// <summary>The REST <c>Authorization</c> header value.</summary>
    internal string AuthorizationHeader => "Bot " + _value;

    public override string ToString() => "[discord token]";
}
