namespace Promethean.Discord;

/// <summary>Knobs of the REST client; defaults are Discord's documented limits.</summary>
public sealed class DiscordRestOptions
{
    /// <summary>Base URL including the API version, e.g. <c>https://discord.com/api/v10</c>.</summary>
    public Uri BaseUrl { get; init; } = new("https://discord.com/api/v10");

    /// <summary>Discord requires <c>DiscordBot (url, version)</c>.</summary>
    public string UserAgent { get; init; } = "DiscordBot (https://github.com/promethean-agents/promethean, 0.1)";

    /// <summary>Global cap on requests per second across all routes (Discord: 50).</summary>
    public int GlobalRequestsPerSecond { get; init; } = 50;

    /// <summary>Retries after a 5xx or a network failure before the request is reported as failed.</summary>
    public int MaxServerErrorRetries { get; init; } = 3;

    /// <summary>429 answers honored (waiting <c>retry_after</c> each time) before giving up.</summary>
    public int MaxRateLimitRetries { get; init; } = 5;

    /// <summary>First backoff after a 5xx; doubles each retry, with jitter.</summary>
    public TimeSpan ServerErrorBackoff { get; init; } = TimeSpan.FromMilliseconds(500);
}
