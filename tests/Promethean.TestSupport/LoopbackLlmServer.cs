using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
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

namespace Promethean.TestSupport;

/// <summary>
/// A stand-in OpenAI-compatible server on 127.0.0.1 (Kestrel, a free port), scripted per test: queue replies
/// per route (<see cref="Chat"/>, <see cref="Embeddings"/>, <see cref="Models"/>), or let it answer by default
/// (an "ok" chat reply, deterministic embeddings in input order, one model). It serves only under <c>/v1</c>, as
/// real servers do, so a base URL without <c>/v1</c> gets a 404. Every request is recorded.
/// </summary>
public sealed class LoopbackLlmServer : IAsyncDisposable
{
    public const string ModelId = "loopback-model";
    public const int DefaultEmbeddingDimensions = 8;

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private long _serverTicks;
    private int _aborted;

    private LoopbackLlmServer(WebApplication app) => _app = app;

    /// <summary><c>http://127.0.0.1:PORT/v1</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary><c>http://127.0.0.1:PORT</c>, without <c>/v1</c>.</summary>
    public string RootUrl { get; private set; } = "";

    public ScriptQueue Chat { get; } = new();
    public ScriptQueue Embeddings { get; } = new();
    public ScriptQueue Models { get; } = new();

    /// <summary>Delay applied to default (unscripted) replies, e.g. 200 ms for throughput benches.</summary>
    public TimeSpan DefaultLatency { get; set; }

    /// <summary>Answer default embeddings in reverse order (each still carries its <c>index</c>).</summary>
    public bool ShuffleEmbeddings { get; set; }

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public int RequestCount => _requests.Count;

    /// <summary>Requests the client aborted while the server was still waiting to answer.</summary>
    public int AbortedCount => Volatile.Read(ref _aborted);

    /// <summary>Total time spent inside the server's handler, scripted delays included.</summary>
    public TimeSpan ServerTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _serverTicks));

    public static async Task<LoopbackLlmServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new LoopbackLlmServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.RootUrl = address.Replace("localhost", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
        server.BaseUrl = server.RootUrl + "/v1";
        return server;
    }

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public void ClearRequests() => _requests.Clear();

    private async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var request = context.Request;
            string body;
            using (var reader = new StreamReader(request.Body, Encoding.UTF8))
                body = await reader.ReadToEndAsync(context.RequestAborted);
            var headers = request.Headers.ToImmutableSortedDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
            var recorded = new RecordedRequest(request.Method, request.Path.Value ?? "", body, headers);
            _requests.Enqueue(recorded);

            var path = recorded.Path.TrimEnd('/');
            ScriptedReply reply;
            if (!path.StartsWith("/v1/", StringComparison.Ordinal))
                reply = ScriptedReply.Text(404, "404 page not found");
            else if (path.EndsWith("/chat/completions", StringComparison.Ordinal))
                reply = Chat.Next(recorded) ?? ScriptedReply.Chat("ok").After(DefaultLatency);
            else if (path.EndsWith("/embeddings", StringComparison.Ordinal))
                reply = Embeddings.Next(recorded) ?? DefaultEmbeddings(recorded, ShuffleEmbeddings).After(DefaultLatency);
            else if (path.EndsWith("/models", StringComparison.Ordinal))
                reply = Models.Next(recorded) ?? ScriptedReply.Json(200, $"{{\"object\":\"list\",\"data\":[{{\"id\":\"{ModelId}\",\"object\":\"model\"}}]}}");
            else
                reply = ScriptedReply.Json(404, "{\"detail\":\"Not Found\"}");

            if (reply.Delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(reply.Delay, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref _aborted);
                    return;
                }
            }
            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = reply.ContentType;
            foreach (var (name, value) in reply.Headers)
                context.Response.Headers[name] = value;
            await context.Response.WriteAsync(reply.Body, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref _aborted);
        }
        finally
        {
            Interlocked.Add(ref _serverTicks, Stopwatch.GetTimestamp() - started);
        }
    }

    /// <summary>Deterministic unit vectors per input text, each item carrying its index; optionally in reverse order.</summary>
    public static ScriptedReply DefaultEmbeddings(RecordedRequest request, bool reversed = false, int dimensions = DefaultEmbeddingDimensions)
    {
        var inputs = request.Json?["input"] switch
        {
            JsonArray a => a.Select(n => n?.GetValue<string>() ?? "").ToList(),
            JsonValue v => [v.GetValue<string>()],
            _ => [],
        };
        var items = inputs.Select((text, i) => (JsonNode)new JsonObject
        {
            ["object"] = "embedding",
            ["index"] = i,
            ["embedding"] = new JsonArray([.. VectorFor(text, dimensions).Select(f => (JsonNode?)JsonValue.Create(f))]),
        }).ToList();
        if (reversed)
            items.Reverse();
        var body = new JsonObject
        {
            ["object"] = "list",
            ["model"] = "loopback-embed",
            ["data"] = new JsonArray([.. items]),
            ["usage"] = new JsonObject { ["prompt_tokens"] = inputs.Count, ["total_tokens"] = inputs.Count },
        };
        return ScriptedReply.Json(200, body.ToJsonString());
    }

    /// <summary>The vector the default embeddings give a text: a hash spread over the dimensions, L2-normalized.</summary>
    public static float[] VectorFor(string text, int dimensions = DefaultEmbeddingDimensions)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        var v = new float[dimensions];
        for (var i = 0; i < dimensions; i++)
            v[i] = (hash[i % hash.Length] - 127.5f) / 127.5f;
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }
}

/// <summary>Replies queued for one route, answered in order; when empty the server's default answers.</summary>
public sealed class ScriptQueue
{
    private readonly ConcurrentQueue<Func<RecordedRequest, ScriptedReply>> _queue = new();

    public ScriptQueue Enqueue(ScriptedReply reply)
    {
        _queue.Enqueue(_ => reply);
        return this;
    }

    /// <summary>Queues a reply computed from the request (e.g. embeddings for its inputs).</summary>
    public ScriptQueue Enqueue(Func<RecordedRequest, ScriptedReply> reply)
    {
        _queue.Enqueue(reply);
        return this;
    }

    public int Pending => _queue.Count;

    internal ScriptedReply? Next(RecordedRequest request) => _queue.TryDequeue(out var f) ? f(request) : null;
}
