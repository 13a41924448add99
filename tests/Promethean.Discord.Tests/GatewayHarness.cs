using System.Threading.Channels;
using Promethean.Core.Events;
using Promethean.TestSupport.Discord;

namespace Promethean.Discord.Tests;

/// <summary>A fake Discord plus our gateway client running against it, with the inbound channel it writes to.</summary>
internal sealed class GatewayHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();

    private GatewayHarness(FakeDiscord fake, DiscordGateway gateway, Channel<Event> inbound, CapturingLogger log)
    {
        Fake = fake;
        Gateway = gateway;
        Inbound = inbound;
        Log = log;
        Run = Task.Run(() => gateway.RunAsync(_stop.Token));
    }

    public FakeDiscord Fake { get; }
    public DiscordGateway Gateway { get; }
    public Channel<Event> Inbound { get; }
    public CapturingLogger Log { get; }

    /// <summary>The gateway's RunAsync: completes on stop, faults on a fatal close.</summary>
    public Task Run { get; }

    public static async Task<GatewayHarness> StartAsync(Action<FakeDiscord>? setup = null, DiscordGatewayOptions? options = null, bool viaGatewayBot = false)
    {
        var fake = await FakeDiscord.StartAsync();
        setup?.Invoke(fake);
        var log = new CapturingLogger();
        var inbound = Channel.CreateUnbounded<Event>();
        var rest = Clients.Rest(fake, log);
        Func<CancellationToken, Task<Uri>> url = viaGatewayBot ? rest.GetGatewayUrlAsync : _ => Task.FromResult(fake.GatewayUrl);
        var gateway = new DiscordGateway(options ?? Clients.GatewayOptions(), new DiscordToken(fake.Token), url, inbound.Writer, TimeProvider.System, log);
        return new GatewayHarness(fake, gateway, inbound, log);
    }

    public async Task<Event> NextEventAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        return await Inbound.Reader.ReadAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Run.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception)
        {
            // a test that expects a fault asserts on Run itself
        }
        await Fake.DisposeAsync();
        _stop.Dispose();
    }
}
