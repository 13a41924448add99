namespace Promethean.Inspector;

/// <summary>Where the inspector listens and the token that guards it.</summary>
public sealed class InspectorOptions
{
    public const string TokenEnvironmentVariable = "PROMETHEAN_INSPECT_TOKEN";

    /// <summary>IP address to bind; anything but loopback requires <see cref="Token"/>.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (tests).</summary>
    public int Port { get; set; } = 8787;

    /// <summary>When set, every request must carry it (query <c>token</c>, <c>Authorization: Bearer</c> or the cookie the page gets).</summary>
    public string? Token { get; set; }

    /// <summary>Most memory hits one search returns.</summary>
    public int MaxSearchHits { get; set; } = 20;

    /// <summary>The address to bind; throws when it is not loopback and no token is set.</summary>
    public System.Net.IPAddress Validate()
    {
        var ip = Host == "localhost" ? System.Net.IPAddress.Loopback
            : System.Net.IPAddress.TryParse(Host, out var parsed) ? parsed
            : throw new InvalidOperationException($"--inspect-host must be an IP address or localhost, not '{Host}'");
        if (!System.Net.IPAddress.IsLoopback(ip) && string.IsNullOrEmpty(Token))
            throw new InvalidOperationException($"the inspector binds {Host}, which is not loopback: give a token with --inspect-token or {TokenEnvironmentVariable}");
        return ip;
    }
}
