using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Discord;
using Promethean.Runtime.Handlers;
using Promethean.TestSupport.Discord;

namespace Promethean.Bench;

/// <summary>
/// Our Discord client's own overhead against the loopback fake Discord: gateway MESSAGE_CREATE to the
/// <c>discord.message/new</c> in the inbound channel, and a <c>discord/send</c> through the handler and
/// REST client to the created message. Issue 7's <c>message_to_send_p95_ms</c> (MESSAGE_CREATE to send effect,
/// through the engine and a cephalon turn) is measured by <see cref="CephalonScenario"/>.
/// </summary>
public sealed class DiscordScenario : IScenario
{
    private const int Messages = 2000;
    private const int Sends = 1000;

    public string Name => "discord";

    public IReadOnlyList<Metric> Run() => RunAsync().GetAwaiter().GetResult();

    private static async Task<IReadOnlyList<Metric>> RunAsync()
    {
        await using var fake = await FakeDiscord.StartAsync();
        fake.Gateway.HeartbeatInterval = TimeSpan.FromSeconds(30);
        var inbound = Channel.CreateUnbounded<Event>();
        var gateway = new DiscordGateway(new DiscordGatewayOptions(), new DiscordToken(fake.Token), _ => Task.FromResult(fake.GatewayUrl),
            inbound.Writer, TimeProvider.System, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = gateway.RunAsync(stop.Token);
        var connection = await fake.Gateway.NextConnectionAsync();
        await connection.NextAsync(2);

        var inboundMs = new List<double>(Messages);
        for (var i = 0; i < Messages; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await connection.SendMessageCreateAsync((500000000000000000UL + (ulong)i).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "800000000000000001", "300000000000000042", $"message {i} with some ordinary chat text in it");
            await inbound.Reader.ReadAsync();
            inboundMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        await stop.CancelAsync();
        await run;

        using var http = new HttpClient();
        var rest = new DiscordRestClient(http, new DiscordToken(fake.Token), new DiscordRestOptions { BaseUrl = fake.RestBaseUrl, GlobalRequestsPerSecond = int.MaxValue },
            TimeProvider.System, NullLogger.Instance);
        var handler = new DiscordSendHandler(rest, []);
        var sendMs = new List<double>(Sends);
        for (var i = 0; i < Sends; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await ((IEffectHandler)handler).HandleAsync(new DiscordSend("800000000000000001", $"reply {i}") { Id = $"1-{i}" }, CancellationToken.None);
            sendMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        var warm = inboundMs.Skip(100).ToList();
        var warmSends = sendMs.Skip(100).ToList();
        return
        [
            new Metric("discord_gateway_to_inbound_p95_ms", Results.Quantile(warm, 0.95), "ms", "n/a",
                $"loopback fake gateway, MESSAGE_CREATE send to event read from the inbound channel, {warm.Count} messages; p50 {Results.Quantile(warm, 0.5):0.###} ms"),
            new Metric("discord_rest_send_p95_ms", Results.Quantile(warmSends, 0.95), "ms", "n/a",
                $"loopback fake REST, discord/send handler to created message (one part, nonce, no rate limit hit), {warmSends.Count} sends; p50 {Results.Quantile(warmSends, 0.5):0.###} ms"),
        ];
    }
}
