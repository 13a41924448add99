using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Llm;
using Promethean.Llm.Builtin;
using Promethean.Runtime;
using Promethean.Runtime.Config;
using Promethean.TestSupport;

namespace Promethean.Llm.Tests;

/// <summary>A loopback server plus the real router, handlers and dispatcher pointed at it, with captured logs.</summary>
internal sealed class LlmHarness : IAsyncDisposable
{
    public const string Endpoint = "loop";
    public const string KeyEnv = "PROMETHEAN_TEST_LLM_KEY";
    public const string Key = "sk-test-SECRET0123456789abcdef";

    private LlmHarness(LoopbackLlmServer server, LlmConfig config, IEnumerable<IBuiltinResponder>? responders, TimeSpan dispatcherTimeout)
    {
        Server = server;
        Config = config;
        Logs = new CapturingLoggerProvider();
        var factory = LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        Router = new LlmRouter(config, factory, responders, environment: name => name == KeyEnv ? Key : null);
        Dispatcher = new EffectDispatcher([new LlmChatHandler(Router), new LlmEmbedHandler(Router)], 8, dispatcherTimeout, factory.CreateLogger("effects"));
    }

    public LoopbackLlmServer Server { get; }
    public LlmConfig Config { get; }
    public LlmRouter Router { get; }
    public EffectDispatcher Dispatcher { get; }
    public CapturingLoggerProvider Logs { get; }

    public LlmEndpointConfig EndpointConfig => Config.Endpoints[Endpoint];

    public static async Task<LlmHarness> StartAsync(Action<LlmEndpointConfig>? configure = null, IEnumerable<IBuiltinResponder>? responders = null,
        string? baseUrl = null, TimeSpan? dispatcherTimeout = null, Action<LlmConfig>? configureLlm = null)
    {
        var server = await LoopbackLlmServer.StartAsync();
        var endpoint = new LlmEndpointConfig
        {
            BaseUrl = baseUrl ?? server.BaseUrl,
            ApiKeyEnv = KeyEnv,
            Model = "loopback-model",
            EmbeddingModel = "loopback-embed",
            BackoffBaseMilliseconds = 5,
            TimeoutSeconds = 10,
        };
        configure?.Invoke(endpoint);
        var config = new LlmConfig { Endpoints = { [Endpoint] = endpoint } };
        configureLlm?.Invoke(config);
        return new LlmHarness(server, config, responders, dispatcherTimeout ?? TimeSpan.FromSeconds(30));
    }

    public static LlmChat Chat(string text = "hello", string endpoint = Endpoint, ImmutableArray<ToolSpec>? tools = null, string? toolChoice = null, string id = "7-0") =>
        new LlmChat(endpoint, "", [new ChatMessage("system", "You are terse."), new ChatMessage("user", text)], tools ?? [], toolChoice) { Id = id };

    public static readonly ToolSpec SearchTool = new("search", "Search memories", """{"type":"object","properties":{"q":{"type":"string"}}}""");

    public Task<Event> DispatchAsync(Effect effect, CancellationToken cancellationToken = default) => Dispatcher.DispatchAsync(effect, cancellationToken);

    public async Task<LlmResponse> ChatOkAsync(LlmChat chat) => (await DispatchAsync(chat)).ShouldBeOfType<LlmResponse>();

    public async Task<EffectError> ChatErrorAsync(LlmChat chat)
    {
        var error = (await DispatchAsync(chat)).ShouldBeOfType<EffectError>();
        error.Type.ShouldBe("llm/chat.error");
        return error;
    }

    public async ValueTask DisposeAsync()
    {
        Router.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>Collects every log line, formatted, so tests can assert what was (not) logged.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => NullLogger.Instance.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");
    }
}
