using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Promethean.Core.Events;
using Promethean.Runtime.Config;

namespace Promethean.Discord;

/// <summary>
/// Discord wired from configuration: the REST client, the <c>discord/send</c> handler and the gateway
/// adapter. From configuration it exists only when the token's environment variable is set, so with no token nothing connects.
/// </summary>
public sealed class DiscordClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly DiscordConfig _config;
    private readonly DiscordToken _token;
    private readonly ILoggerFactory _logs;

    private DiscordClient(DiscordConfig config, DiscordToken token, ILoggerFactory logs)
    {
        _config = config;
        _token = token;
        _logs = logs;
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        Rest = new DiscordRestClient(_http, token, new DiscordRestOptions { BaseUrl = new Uri(config.RestBaseUrl) }, TimeProvider.System, logs.CreateLogger("discord.rest"));
        SendHandler = new DiscordSendHandler(Rest, [.. config.AllowedMentions]);
    }

    public DiscordRestClient Rest { get; }

    public DiscordSendHandler SendHandler { get; }

    /// <summary>The client for this configuration, or null (logged) when its token variable is unset.</summary>
    public static DiscordClient? FromConfig(DiscordConfig config, ILoggerFactory logs)
    {
        var token = DiscordToken.FromEnvironment(config.TokenEnvironmentVariable);
        if (token is null)
        {
            logs.CreateLogger("discord").LogInformation("Discord off: no token in ${Variable}", config.TokenEnvironmentVariable);
            return null;
        }
        return new DiscordClient(config, token, logs);
    }

    /// <summary>
    /// The client for this configuration with the token given by the host (the loopback demo, an embedding host);
    /// <see cref="DiscordConfig.TokenEnvironmentVariable"/> is not read.
    /// </summary>
    public static DiscordClient Create(DiscordConfig config, DiscordToken token, ILoggerFactory logs) => new(config, token, logs);

    /// <summary>A gateway adapter writing <c>discord.message/new</c> to <paramref name="inbound"/>.</summary>
    public DiscordGateway Gateway(ChannelWriter<Event> inbound)
    {
        var options = new DiscordGatewayOptions { Channels = _config.Channels.Select(Snowflake.Parse).ToHashSet() };
        Func<CancellationToken, Task<Uri>> url = _config.GatewayUrl.Length > 0
            ? _ => Task.FromResult(new Uri(_config.GatewayUrl))
            : Rest.GetGatewayUrlAsync;
        return new DiscordGateway(options, _token, url, inbound, TimeProvider.System, _logs.CreateLogger("discord.gateway"));
    }

    public void Dispose() => _http.Dispose();
}
