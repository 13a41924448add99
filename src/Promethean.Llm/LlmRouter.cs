using Promethean.Core.Context;
using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Promethean.Llm.Builtin;
using Promethean.Llm.Http;
using Promethean.Llm.Local;
using Promethean.Runtime.Config;
using Promethean.Runtime.Handlers;

namespace Promethean.Llm;

/// <summary>A resolved endpoint: its name, its config and the providers behind it.</summary>
public sealed record LlmEndpoint(string Name, LlmEndpointConfig Config, IChatProvider? Chat, IEmbeddingProvider? Embeddings)
{
    public TokenCounter Tokens => TokenCounter.For(Config.Model, Config.Tokenizer);
}

/// <summary>
/// Resolves an effect's endpoint name to its providers: OpenAI-compatible HTTP endpoints, the builtin chat
/// provider and the local MiniLM embeddings. An empty name means the configured default.
/// </summary>
public sealed class LlmRouter : IDisposable
{
    private readonly ImmutableSortedDictionary<string, LlmEndpoint> _endpoints;
    private readonly LlmConfig _config;
    private readonly HttpClient _http;
    private readonly LocalEmbeddingProvider? _local;

    public LlmRouter(LlmConfig config, ILoggerFactory logs, IEnumerable<IBuiltinResponder>? responders = null,
        HttpMessageHandler? httpHandler = null, TimeProvider? time = null, Func<string, string?>? environment = null)
    {
        _config = config;
        _http = new HttpClient(httpHandler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, disposeHandler: httpHandler is null)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var builtin = new BuiltinChatProvider(responders);
        var map = ImmutableSortedDictionary.CreateBuilder<string, LlmEndpoint>(StringComparer.Ordinal);
        foreach (var (name, e) in config.ResolvedEndpoints())
        {
            map[name] = e.Provider switch
            {
                LlmProvider.Builtin => new LlmEndpoint(name, e, builtin, null),
                LlmProvider.Local => new LlmEndpoint(name, e, null, _local ??= new LocalEmbeddingProvider(e.Threads)),
                _ => Http(name, e, logs, time, environment),
            };
        }
        _endpoints = map.ToImmutable();
    }

    public IReadOnlyDictionary<string, LlmEndpoint> Endpoints => _endpoints;

    /// <summary>
    /// The endpoint for a chat effect: the one it names; else the one configured for its contract
    /// (<c>Meta["contract"]</c>), then for its session (<c>Meta["session"]</c>); else the default.
    /// </summary>
    public LlmEndpoint ForChat(Core.Effects.LlmChat chat)
    {
        if (!string.IsNullOrEmpty(chat.Endpoint))
            return ForChat(chat.Endpoint);
        if (chat.Meta.TryGetValue("contract", out var contract) && _config.ContractEndpoints.TryGetValue(contract, out var byContract))
            return ForChat(byContract);
        if (chat.Meta.TryGetValue("session", out var session) && _config.SessionEndpoints.TryGetValue(session, out var bySession))
            return ForChat(bySession);
        return ForChat(_config.DefaultChatEndpoint);
    }

    public LlmEndpoint ForChat(string name)
    {
        var endpoint = Find(string.IsNullOrEmpty(name) ? _config.DefaultChatEndpoint : name);
        return endpoint.Chat is null ? throw new EffectFailedException($"LLM endpoint '{endpoint.Name}' does not do chat ({endpoint.Config.Provider})") : endpoint;
    }

    public LlmEndpoint ForEmbeddings(string name)
    {
        var endpoint = Find(string.IsNullOrEmpty(name) ? _config.DefaultEmbedEndpoint : name);
        return endpoint.Embeddings is null ? throw new EffectFailedException($"LLM endpoint '{endpoint.Name}' does not do embeddings ({endpoint.Config.Provider})") : endpoint;
    }

    private LlmEndpoint Find(string name) =>
        _endpoints.TryGetValue(name, out var e)
            ? e
            : throw new EffectFailedException($"unknown LLM endpoint '{name}'; configured: {string.Join(", ", _endpoints.Keys)}");

    private LlmEndpoint Http(string name, LlmEndpointConfig e, ILoggerFactory logs, TimeProvider? time, Func<string, string?>? environment)
    {
        var client = new OpenAiClient(name, e, _http, logs.CreateLogger("llm"), time, environment);
        return new LlmEndpoint(name, e, client, client);
    }

    public void Dispose()
    {
        _local?.Dispose();
        _http.Dispose();
    }
}
