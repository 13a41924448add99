using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Promethean.Core;
using Promethean.Runtime;
using Promethean.Stores.Sqlite;

namespace Promethean.Inspector;

/// <summary>
/// The inspector web server (ASP.NET Core minimal API): the page and its scripts from embedded
/// resources, <c>/api/stream</c> (server-sent events, one pulse per interval), <c>/api/state</c>,
/// <c>/api/memory?q=</c> and <c>/api/world?tick=N</c>. Reads the committed world through the
/// <see cref="InspectorFeed"/> and the store through its own read-only connections, never the loop's.
/// </summary>
public sealed class InspectorServer : IAsyncDisposable
{
    public const string TokenCookie = "promethean_inspector";

    private static readonly TimeSpan PulseEvery = TimeSpan.FromMilliseconds(250);

    private readonly WebApplication _app;
    private readonly InspectorFeed _feed;

    private InspectorServer(WebApplication app, InspectorFeed feed, Uri address)
    {
        _app = app;
        _feed = feed;
        Address = address;
    }

    /// <summary>The address the server listens on (with the real port when 0 was asked).</summary>
    public Uri Address { get; }

    public InspectorFeed Feed => _feed;

    /// <summary>
    /// Starts serving <paramref name="engine"/>'s run whose store file is <paramref name="databasePath"/>.
    /// Throws when asked to bind a non-loopback address without a token.
    /// </summary>
    public static async Task<InspectorServer> StartAsync(Engine engine, string databasePath, ImmutableArray<ScheduledSystem> systems,
        InspectorOptions options, IMemorySearch? search = null, CancellationToken cancellationToken = default)
    {
        var ip = options.Validate();

        var builder = WebApplication.CreateSlimBuilder();
        // The request log would print URLs, and a URL may carry the token: the host logs nothing.
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(ip, options.Port));
        var app = builder.Build();
        var feed = new InspectorFeed(engine, TimeProvider.System);
        search ??= new RetrievalMemorySearch(databasePath, () => feed.World.TimeMs);

        if (!string.IsNullOrEmpty(options.Token))
            app.Use(TokenGate(options.Token));

        app.MapGet("/", () => Asset("index.html", "text/html; charset=utf-8"));
        app.MapGet("/inspector.js", () => Asset("inspector.js", "text/javascript; charset=utf-8"));
        app.MapGet("/inspector.css", () => Asset("inspector.css", "text/css; charset=utf-8"));

        app.MapGet("/api/state", () =>
        {
            using var reader = SqliteStore.OpenReadOnly(databasePath);
            return Json(InspectorViews.State(feed, reader));
        });

        app.MapGet("/api/stream", async (HttpContext http) =>
        {
            http.Response.Headers.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            var stopping = http.RequestAborted;
            long sent = -1;
            var idle = 0;
            using var timer = new PeriodicTimer(PulseEvery);
            try
            {
                do
                {
                    var pulse = InspectorViews.Pulse(feed);
                    var tick = feed.World.Tick;
                    // A pulse on every new tick, and a keep-alive one about every two seconds when idle.
                    if (tick != sent || ++idle >= 8)
                    {
                        idle = 0;
                        await http.Response.WriteAsync("event: pulse\ndata: " + pulse.ToJsonString() + "\n\n", stopping);
                        await http.Response.Body.FlushAsync(stopping);
                        sent = tick;
                    }
                }
                while (await timer.WaitForNextTickAsync(stopping));
            }
            catch (OperationCanceledException)
            {
                // the page went away
            }
        });

        app.MapGet("/api/memory", (string? q, int? limit) =>
        {
            if (string.IsNullOrWhiteSpace(q))
                return Results.BadRequest(new { error = "give a query: /api/memory?q=words" });
            var hits = search.Search(q, Math.Clamp(limit ?? options.MaxSearchHits, 1, options.MaxSearchHits));
            return Json(new JsonObject
            {
                ["query"] = q,
                ["engine"] = search.Engine,
                ["hits"] = new JsonArray([.. hits.Select(h => (JsonNode?)new JsonObject
                {
                    ["id"] = h.Id,
                    ["kind"] = h.Kind,
                    ["text"] = h.Text.Length > 400 ? h.Text[..400] + "…" : h.Text,
                    ["createdMs"] = h.CreatedMs,
                    ["tags"] = new JsonArray([.. h.Tags.Select(t => (JsonNode?)t)]),
                    ["score"] = h.Score,
                    ["breakdown"] = new JsonObject([.. h.Breakdown.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]),
                })]),
            });
        });

        var replayGate = new SemaphoreSlim(1, 1);
        app.MapGet("/api/world", async (long? tick, CancellationToken ct) =>
        {
            using var reader = SqliteStore.OpenReadOnly(databasePath);
            var at = tick ?? reader.LastTick;
            if (at < 0 || at > reader.LastTick)
                return Results.BadRequest(new { error = $"tick must be between 0 and {reader.LastTick}" });
            // Replays are CPU work on the web thread: one at a time.
            await replayGate.WaitAsync(ct);
            try
            {
                var replayed = Replayer.WorldAt(reader, at, systems);
                var body = new StringBuilder()
                    .Append(CultureInfo.InvariantCulture, $"{{\"tick\":{replayed.World.Tick},\"worldHash\":")
                    .Append(replayed.WorldHash is null ? "null" : $"\"{replayed.WorldHash}\"")
                    .Append(",\"hashesMatch\":").Append(replayed.HashesMatch ? "true" : "false")
                    .Append(",\"world\":").Append(SqliteStore.SnapshotJson(replayed.World)).Append('}');
                return Results.Text(body.ToString(), "application/json");
            }
            finally
            {
                replayGate.Release();
            }
        });

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception e)
        {
            feed.Dispose();
            await app.DisposeAsync();
            if (e is IOException)
                throw new InvalidOperationException($"the inspector cannot listen on {ip}:{options.Port}: {e.Message}", e);
            throw;
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new InspectorServer(app, feed, new Uri(bound.Replace("[::]", "localhost", StringComparison.Ordinal)));
    }

    private static Func<HttpContext, RequestDelegate, Task> TokenGate(string token)
    {
        var expected = Encoding.UTF8.GetBytes(token);
        bool Matches(string? given) => given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), expected);
        return async (http, next) =>
        {
            var query = http.Request.Query["token"].FirstOrDefault();
            var header = http.Request.Headers.Authorization.FirstOrDefault();
            var bearer = header is not null && header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : null;
            if (Matches(query))
            {
                // The page's own requests (fetch, EventSource) then carry the cookie instead of the token in the URL.
                http.Response.Cookies.Append(TokenCookie, token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict });
                await next(http);
                return;
            }
            if (Matches(bearer) || Matches(http.Request.Cookies[TokenCookie]))
            {
                await next(http);
                return;
            }
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await http.Response.WriteAsync("inspector token required");
        };
    }

    private static IResult Json(JsonObject o) => Results.Text(o.ToJsonString(), "application/json");

    private static IResult Asset(string name, string contentType)
    {
        using var stream = typeof(InspectorServer).Assembly.GetManifestResourceStream("wwwroot/" + name)
            ?? throw new InvalidOperationException($"missing embedded asset {name}");
        using var reader = new StreamReader(stream);
        return Results.Text(reader.ReadToEnd(), contentType);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _feed.Dispose();
    }
}
