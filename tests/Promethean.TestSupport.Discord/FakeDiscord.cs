using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Promethean.TestSupport.Discord;

/// <summary>
/// A loopback fake of Discord on Kestrel (127.0.0.1, a free port): REST under <c>/api/v10</c> with
/// buckets, 429s, 5xx, auth errors and nonce enforcement, and a gateway WebSocket at <c>/gateway</c>
/// (resume URL <c>/resume</c>) scriptable per test. It behaves like Discord where our client depends on it.
/// </summary>
public sealed class FakeDiscord : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeDiscord(WebApplication app, Uri root, string token)
    {
        _app = app;
        Root = root;
        Token = token;
        Rest = new FakeRest(token, this);
        Gateway = new FakeGateway(this);
    }

    /// <summary>The bot token the fake accepts (REST <c>Bot</c> header, IDENTIFY and RESUME).</summary>
    public string Token { get; }

    public Uri Root { get; }

    public Uri RestBaseUrl => new(Root, "/api/v10");

    public Uri GatewayUrl => new UriBuilder(Root) { Scheme = "ws", Path = "/gateway" }.Uri;

    public Uri ResumeUrl => new UriBuilder(Root) { Scheme = "ws", Path = "/resume" }.Uri;

    public FakeRest Rest { get; }

    public FakeGateway Gateway { get; }

    public static async Task<FakeDiscord> StartAsync(string token = "fake-token.abc.xyz")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeDiscord? fake = null;
        app.UseWebSockets();
        app.Run(context => fake!.HandleAsync(context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake = new FakeDiscord(app, new Uri(address), token);
        return fake;
    }

    private Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (path is "/gateway" or "/resume")
            return Gateway.AcceptAsync(context);
        if (path.StartsWith("/api/v10/", StringComparison.Ordinal))
            return Rest.HandleAsync(context, path["/api/v10/".Length..]);
        context.Response.StatusCode = 404;
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        Gateway.Shutdown();
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
            await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
