using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Promethean.Runtime.Config;

namespace Promethean.Discord.Loopback;

/// <summary>
/// A well-behaved Discord on 127.0.0.1 (a free port): gateway v10 at <c>/gateway</c> (resume URL <c>/resume</c>) and REST
/// v10 under <c>/api/v10</c>, one bot in one guild. It plays a scripted <see cref="ChannelHistory"/> as MESSAGE_CREATE
/// dispatches and records what the bot posts, echoing each post to the gateway as Discord does. No token, no network:
/// our real <see cref="DiscordClient"/> talks to it exactly as to Discord.
/// </summary>
public sealed class LoopbackDiscord : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _clock = new();
    private DateTimeOffset _clockAnchor;
    private DateTimeOffset _clockWallAnchor;
    private double _clockRate = 1;
    private DateTimeOffset? _clockCap;

    private LoopbackDiscord(WebApplication app, Uri root, LoopbackOptions options)
    {
        _app = app;
        Root = root;
        Token = options.Token ?? "loopback." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        BotUser = options.BotUser;
        Guild = options.Guild;
        Time = options.Time;
        _clockAnchor = _clockWallAnchor = Time.GetUtcNow();
        Rest = new LoopbackRest(this, options.FirstMessageId);
        Gateway = new LoopbackGateway(this, options.HeartbeatInterval, options.ResumeBuffer, _shutdown.Token);
    }

    /// <summary>The bot token the server accepts (REST <c>Bot</c> header, IDENTIFY, RESUME). Never log it.</summary>
    public string Token { get; }

    public Uri Root { get; }

    /// <summary>REST base including the version, for <see cref="DiscordConfig.RestBaseUrl"/>.</summary>
    public Uri RestBaseUrl => new(Root, "/api/v10");

    /// <summary>Where to open the gateway (also what <c>GET /gateway/bot</c> answers).</summary>
    public Uri GatewayUrl => new UriBuilder(Root) { Scheme = "ws", Path = "/gateway" }.Uri;

    /// <summary>READY's <c>resume_gateway_url</c>.</summary>
    public Uri ResumeUrl => new UriBuilder(Root) { Scheme = "ws", Path = "/resume" }.Uri;

    public LoopbackUser BotUser { get; }

    public LoopbackGuild? Guild { get; }

    public LoopbackRest Rest { get; }

    public LoopbackGateway Gateway { get; }

    /// <summary>Messages the bot created, in order.</summary>
    public IReadOnlyList<PostedMessage> Posted => Rest.Posted;

    /// <summary>Raised once per created message (not for a send answered by its nonce). Handlers must not throw.</summary>
    public event Action<PostedMessage>? MessagePosted;

    /// <summary>Raised after each history message is dispatched to the gateway. Handlers must not throw.</summary>
    public event Action<HistoryMessage>? MessagePlayed;

    internal TimeProvider Time { get; }

    /// <summary>Replaces the REST handler (the test fake scripts failures in front of <see cref="Rest"/>).</summary>
    internal Func<HttpContext, string, Task>? RestHandler { get; set; }

    /// <summary>
    /// The server's clock: the wall clock until a history plays; during and after a play, the history's clock (the
    /// current message's time, advancing at the play speed but never past the next message). Posts are stamped with it.
    /// </summary>
    public DateTimeOffset Now
    {
        get
        {
            lock (_clock)
            {
                var now = _clockAnchor + (Time.GetUtcNow() - _clockWallAnchor) * _clockRate;
                return _clockCap is { } cap && now > cap ? cap : now;
            }
        }
    }

    /// <summary>Starts the server on 127.0.0.1 with a free port.</summary>
    public static async Task<LoopbackDiscord> StartAsync(LoopbackOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LoopbackOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        LoopbackDiscord? server = null;
        app.UseWebSockets();
        app.Run(context => server!.HandleAsync(context));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new LoopbackDiscord(app, new Uri(address), options);
        return server;
    }

    /// <summary>Starts a server for <paramref name="history"/>'s guild (its channels are the ones that exist).</summary>
    public static Task<LoopbackDiscord> StartAsync(ChannelHistory history, LoopbackOptions? options = null, CancellationToken cancellationToken = default) =>
        StartAsync((options ?? new LoopbackOptions()) with { Guild = history.Guild }, cancellationToken);

    /// <summary>Discord settings pointing at this server: REST base here, gateway URL asked through <c>GET /gateway/bot</c>.</summary>
    public DiscordConfig ClientConfig() => new() { RestBaseUrl = RestBaseUrl.ToString(), GatewayUrl = "" };

    /// <summary>Our real Discord client pointed at this server, with its token given directly (no environment variable).</summary>
    public DiscordClient CreateClient(ILoggerFactory logs) => DiscordClient.Create(ClientConfig(), new DiscordToken(Token), logs);

    /// <inheritdoc cref="PlayAsync(ChannelHistory, PlayOptions, CancellationToken)"/>
    public Task PlayAsync(ChannelHistory history, double speed, CancellationToken cancellationToken) =>
        PlayAsync(history, new PlayOptions { Speed = speed }, cancellationToken);

    /// <summary>
    /// Dispatches the history's messages as MESSAGE_CREATE with their relative pacing divided by the speed (pauses
    /// capped at <see cref="PlayOptions.MaxGap"/>), re-deliveries included. Completes after the last message.
    /// </summary>
    public async Task PlayAsync(ChannelHistory history, PlayOptions options, CancellationToken cancellationToken)
    {
        if (options.Speed <= 0 || double.IsNaN(options.Speed))
            throw new ArgumentOutOfRangeException(nameof(options), "the play speed must be positive");
        if (Guild is not null && Guild.Id != history.Guild.Id)
            throw new ArgumentException($"the history is of guild {history.Guild.Id}, this server serves {Guild.Id}", nameof(history));
        if (options.WaitForClient)
            await Gateway.WaitForReadyAsync(cancellationToken);
        var messages = history.Messages;
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            if (i > 0)
            {
                var gap = (m.PlayAt - messages[i - 1].PlayAt) / options.Speed;
                if (gap > options.MaxGap)
                    gap = options.MaxGap;
                if (gap > TimeSpan.Zero)
                    await Task.Delay(gap, Time, cancellationToken);
            }
            SetClock(m.PlayAt, options.Speed, i + 1 < messages.Count ? messages[i + 1].PlayAt : null);
            await Gateway.DispatchAsync("MESSAGE_CREATE",
                LoopbackPayloads.Message(m.Id, m.ChannelId, history.Guild.Id, m.AuthorId, m.AuthorName, m.AuthorIsBot, m.Content, m.Timestamp));
            MessagePlayed?.Invoke(m);
        }
    }

    internal void OnPosted(PostedMessage message) => MessagePosted?.Invoke(message);

    private void SetClock(DateTimeOffset at, double rate, DateTimeOffset? cap)
    {
        lock (_clock)
        {
            _clockAnchor = at;
            _clockWallAnchor = Time.GetUtcNow();
            _clockRate = rate;
            _clockCap = cap;
        }
    }

    private Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (path is "/gateway" or "/resume")
            return Gateway.AcceptAsync(context);
        if (path.StartsWith("/api/v10/", StringComparison.Ordinal))
            return (RestHandler ?? Rest.HandleAsync)(context, path["/api/v10/".Length..]);
        context.Response.StatusCode = 404;
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync();
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
            await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
        _shutdown.Dispose();
    }
}
