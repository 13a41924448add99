using Promethean.TestSupport.Discord;

namespace Promethean.Discord.Tests;

/// <summary>Our real clients pointed at the fake, with test-sized waits.</summary>
internal static class Clients
{
    public static DiscordRestClient Rest(FakeDiscord fake, CapturingLogger? log = null, int globalPerSecond = 50, int serverRetries = 3, string? token = null) =>
        new(new HttpClient(), new DiscordToken(token ?? fake.Token),
            new DiscordRestOptions
            {
                BaseUrl = fake.RestBaseUrl,
                GlobalRequestsPerSecond = globalPerSecond,
                MaxServerErrorRetries = serverRetries,
                ServerErrorBackoff = TimeSpan.FromMilliseconds(20),
            },
            TimeProvider.System, log ?? new CapturingLogger());

    public static DiscordGatewayOptions GatewayOptions(IReadOnlySet<ulong>? channels = null) => new()
    {
        IdentifyInterval = TimeSpan.FromMilliseconds(300),
        ReconnectBackoff = TimeSpan.FromMilliseconds(20),
        ReconnectBackoffMax = TimeSpan.FromMilliseconds(200),
        InvalidSessionDelayMin = TimeSpan.FromMilliseconds(50),
        InvalidSessionDelayMax = TimeSpan.FromMilliseconds(100),
        HandshakeTimeout = TimeSpan.FromSeconds(5),
        Channels = channels ?? new HashSet<ulong>(),
    };
}
