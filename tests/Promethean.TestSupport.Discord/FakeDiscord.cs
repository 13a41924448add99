using Promethean.Discord.Loopback;

namespace Promethean.TestSupport.Discord;

/// <summary>
/// The loopback Discord (<see cref="LoopbackDiscord"/>: 127.0.0.1, a free port, Discord's behaviour) with test
/// scripting on top: REST failures, buckets and latency (<see cref="Rest"/>), gateway connections handed to the test
/// to script close codes, ops and zombie links (<see cref="Gateway"/>). No guild: any channel id is accepted.
/// </summary>
public sealed class FakeDiscord : IAsyncDisposable
{
    private FakeDiscord(LoopbackDiscord server)
    {
        Server = server;
        Rest = new FakeRest(server);
        Gateway = new FakeGateway(server);
        server.RestHandler = Rest.HandleAsync;
    }

    /// <summary>The loopback server underneath, for what the scripting layer does not wrap.</summary>
    public LoopbackDiscord Server { get; }

    /// <summary>The bot token the fake accepts (REST <c>Bot</c> header, IDENTIFY and RESUME).</summary>
    public string Token => Server.Token;

    public Uri Root => Server.Root;

    public Uri RestBaseUrl => Server.RestBaseUrl;

    public Uri GatewayUrl => Server.GatewayUrl;

    public Uri ResumeUrl => Server.ResumeUrl;

    public FakeRest Rest { get; }

    public FakeGateway Gateway { get; }

    public static async Task<FakeDiscord> StartAsync(string token = "fake-token.abc.xyz") =>
        new(await LoopbackDiscord.StartAsync(new LoopbackOptions
        {
            Token = token,
            BotUser = new LoopbackUser(FakeGateway.BotUserId, "promethean-bot"),
            FirstMessageId = FakeRest.FirstMessageId,
            // Long enough that a loaded machine never delays an ACK past it (a zombie verdict would make the client
            // reconnect in a test about something else); the heartbeat tests set their own short interval.
            HeartbeatInterval = TimeSpan.FromSeconds(5),
        }));

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
