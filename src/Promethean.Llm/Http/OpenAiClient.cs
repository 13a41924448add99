using Promethean.Core.Context;
using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Promethean.Core.Effects;
using Promethean.Runtime.Config;
using Promethean.Runtime.Handlers;

namespace Promethean.Llm.Http;

/// <summary>
/// A thin OpenAI-compatible client on <see cref="HttpClient"/> and System.Text.Json that tolerates the servers
/// people really run (OPENAI_COMPAT.md): it retries 429/5xx with Retry-After and jittered backoff, never
/// retries 400/401/404, drops tools once a server rejects them, batches embeddings and matches them by index,
/// and surfaces the server's own error message with any API key removed.
/// </summary>
public sealed class OpenAiClient : IChatProvider, IEmbeddingProvider
{
    private readonly string _name;
    private readonly LlmEndpointConfig _config;
    private readonly HttpClient _http;
    private readonly string _baseUrl;
    private readonly string? _apiKey;
    private readonly SecretRedactor _redactor;
    private readonly TokenCounter _tokens;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Random _jitter;
    private volatile string? _toolsRejected;

    public OpenAiClient(string name, LlmEndpointConfig config, HttpClient http, ILogger log,
        TimeProvider? time = null, Func<string, string?>? environment = null, Random? jitter = null)
    {
        _name = name;
        _config = config;
        _http = http;
        _baseUrl = config.BaseUrl.Trim().TrimEnd('/');
        _apiKey = string.IsNullOrWhiteSpace(config.ApiKeyEnv) ? null : (environment ?? Environment.GetEnvironmentVariable)(config.ApiKeyEnv);
        _redactor = new SecretRedactor([_apiKey]);
        _tokens = TokenCounter.For(config.Model, config.Tokenizer);
        _time = time ?? TimeProvider.System;
        _log = log;
        _jitter = jitter ?? Random.Shared;
    }

    public string Name => _name;

    public SecretRedactor Redactor => _redactor;

    /// <summary>Whether a key was found in the configured environment variable (the key itself is never exposed).</summary>
    public bool HasApiKey => !string.IsNullOrEmpty(_apiKey);

    /// <summary>The field that carries the output cap for this endpoint.</summary>
    public string MaxTokensField => _config.MaxTokensParameter switch
    {
        MaxTokensParameter.MaxTokens => "max_tokens",
        MaxTokensParameter.MaxCompletionTokens => "max_completion_tokens",
        _ => Uri.TryCreate(_baseUrl, UriKind.Absolute, out var u) && u.Host.EndsWith("openai.com", StringComparison.OrdinalIgnoreCase)
            ? "max_completion_tokens" : "max_tokens",
    };

    public async Task<ChatResult> ChatAsync(LlmChat chat, string model, CancellationToken cancellationToken)
    {
        var notes = ImmutableArray.CreateBuilder<string>();
        var withTools = !chat.Tools.IsEmpty && _config.SupportsTools && _toolsRejected is null;
        if (!chat.Tools.IsEmpty && !withTools)
            notes.Add(_toolsRejected is { } why ? $"tools not sent: this endpoint rejected them earlier ({why})" : "tools not sent: SupportsTools is false for this endpoint");
        string body;
        try
        {
            try
            {
                body = await PostAsync("chat/completions", ChatBody(chat, model, withTools), notes, cancellationToken);
            }
            catch (ServerRejectedException e) when (withTools && e.Status == HttpStatusCode.BadRequest && e.ServerMessage.Contains("tool", StringComparison.OrdinalIgnoreCase))
            {
                _toolsRejected = Truncate(e.ServerMessage, 200);
                _log.LogWarning("endpoint {Endpoint} rejected tools ({Message}); calling without tools from now on", _name, _toolsRejected);
                notes.Add($"tools dropped: the server answered 400 naming tools ({_toolsRejected}); retried without tools");
                body = await PostAsync("chat/completions", ChatBody(chat, model, withTools: false), notes, cancellationToken);
            }
        }
        catch (ServerRejectedException e)
        {
            throw e.ToEffectFailure();
        }
        ChatResult result;
        try
        {
            result = ChatResponseParser.Parse(body, chat.Id, model);
        }
        catch (MalformedReplyException e)
        {
            throw new EffectFailedException(_redactor.Scrub($"endpoint '{_name}': {e.Message}"), retryable: true);
        }
        return result with { Notes = [.. notes.Select(_redactor.Scrub), .. result.Notes] };
    }

    public async Task<EmbeddingResult> EmbedAsync(IReadOnlyList<string> inputs, string model, bool background, CancellationToken cancellationToken)
    {
        var notes = ImmutableArray.CreateBuilder<string>();
        var vectors = new ImmutableArray<float>[inputs.Count];
        var reported = model;
        foreach (var (start, count) in Batches(inputs))
        {
            var body = new JsonObject
            {
                ["model"] = model,
                ["input"] = new JsonArray([.. inputs.Skip(start).Take(count).Select(s => (JsonNode?)JsonValue.Create(s))]),
                ["encoding_format"] = "float",
            };
            string reply;
            try
            {
                reply = await PostAsync("embeddings", body, notes, cancellationToken);
            }
            catch (ServerRejectedException e)
            {
                throw e.ToEffectFailure();
            }
            reported = ReadEmbeddings(reply, start, count, vectors, notes) ?? reported;
        }
        var dims = vectors.Select(v => v.Length).Distinct().ToList();
        if (dims.Count > 1)
            throw new EffectFailedException($"endpoint '{_name}' returned vectors of different sizes: {string.Join(", ", dims)}");
        return new EmbeddingResult([.. vectors], reported, notes.ToImmutable());
    }

    /// <summary>Model ids the server lists at <c>/models</c> (OpenAI's <c>data[].id</c> or Ollama's <c>models[].name</c>).</summary>
    public async Task<ImmutableArray<string>> ListModelsAsync(CancellationToken cancellationToken)
    {
        string body;
        try
        {
            body = await SendAsync(HttpMethod.Get, "models", null, ImmutableArray.CreateBuilder<string>(), cancellationToken);
        }
        catch (ServerRejectedException e)
        {
            throw e.ToEffectFailure();
        }
        try
        {
            using var doc = JsonDocument.Parse(body);
            var list = doc.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array ? data
                : doc.RootElement.TryGetProperty("models", out var models) && models.ValueKind == JsonValueKind.Array ? models
                : default;
            if (list.ValueKind != JsonValueKind.Array)
                return [];
            return [.. list.EnumerateArray().Select(m => ChatResponseParser.Str(m, "id") ?? ChatResponseParser.Str(m, "name")).Where(s => s is not null).Select(s => s!)];
        }
        catch (JsonException e)
        {
            throw new EffectFailedException(_redactor.Scrub($"endpoint '{_name}': /models reply is not valid JSON ({e.Message})"));
        }
    }

    internal JsonObject ChatBody(LlmChat chat, string model, bool withTools)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray([.. chat.Messages.Select(m => (JsonNode?)MessageNode(m))]),
            [MaxTokensField] = chat.MaxOutputTokens ?? _config.MaxOutputTokens,
            ["stream"] = false,
        };
        if (withTools)
        {
            body["tools"] = new JsonArray([.. chat.Tools.Select(t => (JsonNode?)new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject
                {
                    ["name"] = t.Name,
                    ["description"] = t.Description,
                    ["parameters"] = Schema(t.ParametersJsonSchema),
                },
            })]);
            // "auto" is the default: sending it breaks vLLM setups started without tool parsing.
            if (chat.ToolChoice is { } choice && !string.Equals(choice, "auto", StringComparison.OrdinalIgnoreCase))
            {
                body["tool_choice"] = choice is "none" or "required"
                    ? choice
                    : new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = choice } };
            }
        }
        return body;
    }

    private static JsonObject MessageNode(ChatMessage m)
    {
        var node = new JsonObject { ["role"] = m.Role, ["content"] = m.Content };
        if (m.Name is not null)
            node["name"] = m.Name;
        if (m.ToolCallId is not null)
            node["tool_call_id"] = m.ToolCallId;
        if (m.ToolCalls is { IsEmpty: false } calls)
        {
            node["tool_calls"] = new JsonArray([.. calls.Select(c => (JsonNode?)new JsonObject
            {
                ["id"] = c.Id,
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments },
            })]);
        }
        return node;
    }

    private static JsonObject Schema(string json)
    {
        if (!string.IsNullOrWhiteSpace(json))
        {
            try
            {
                if (JsonNode.Parse(json) is JsonObject schema)
                    return schema;
            }
            catch (JsonException)
            {
                // An unreadable schema is sent as an empty object schema rather than failing the call.
            }
        }
        return new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() };
    }

    /// <summary>Splits inputs into requests under both the input cap and the estimated token cap.</summary>
    internal IEnumerable<(int Start, int Count)> Batches(IReadOnlyList<string> inputs)
    {
        var start = 0;
        while (start < inputs.Count)
        {
            var count = 0;
            var tokens = 0;
            while (start + count < inputs.Count && count < _config.EmbeddingBatchSize)
            {
                var t = _tokens.Count(inputs[start + count]);
                if (count > 0 && tokens + t > _config.EmbeddingBatchTokens)
                    break;
                tokens += t;
                count++;
            }
            yield return (start, count);
            start += count;
        }
    }

    private string? ReadEmbeddings(string body, int start, int count, ImmutableArray<float>[] vectors, ImmutableArray<string>.Builder notes)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (!doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
                throw new EffectFailedException(_redactor.Scrub($"endpoint '{_name}': embeddings reply has no 'data' array: {ChatResponseParser.Snippet(body)}"), retryable: true);
            if (data.GetArrayLength() != count)
                throw new EffectFailedException($"endpoint '{_name}': asked for {count} embeddings, got {data.GetArrayLength()}", retryable: true);
            var seen = new bool[count];
            var position = 0;
            var outOfOrder = false;
            foreach (var item in data.EnumerateArray())
            {
                var index = item.TryGetProperty("index", out var ix) && ix.TryGetInt32(out var i) ? i : position;
                if (index < 0 || index >= count || seen[index])
                    throw new EffectFailedException($"endpoint '{_name}': embedding index {index} is out of range or repeated", retryable: true);
                outOfOrder |= index != position;
                seen[index] = true;
                vectors[start + index] = Vector(item, notes);
                position++;
            }
            if (outOfOrder)
                notes.Add("embeddings came back out of order; matched by index");
            return ChatResponseParser.Str(doc.RootElement, "model");
        }
        catch (JsonException e)
        {
            throw new EffectFailedException(_redactor.Scrub($"endpoint '{_name}': embeddings reply is not valid JSON ({e.Message}): {ChatResponseParser.Snippet(body)}"), retryable: true);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            // An item or number of the wrong JSON kind, or bad base64.
            throw new EffectFailedException(_redactor.Scrub($"endpoint '{_name}': malformed embeddings reply ({e.Message}): {ChatResponseParser.Snippet(body)}"), retryable: true);
        }
    }

    private ImmutableArray<float> Vector(JsonElement item, ImmutableArray<string>.Builder notes)
    {
        if (!item.TryGetProperty("embedding", out var e))
            throw new EffectFailedException($"endpoint '{_name}': an embedding item has no 'embedding'", retryable: true);
        if (e.ValueKind == JsonValueKind.Array)
            return [.. e.EnumerateArray().Select(x => x.GetSingle())];
        if (e.ValueKind == JsonValueKind.String)
        {
            // Some servers answer base64 even when asked for floats: little-endian float32s.
            var bytes = Convert.FromBase64String(e.GetString()!);
            var floats = new float[bytes.Length / 4];
            for (var i = 0; i < floats.Length; i++)
                floats[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4, 4));
            if (!notes.Contains("embeddings came as base64 though floats were asked for"))
                notes.Add("embeddings came as base64 though floats were asked for");
            return [.. floats];
        }
        throw new EffectFailedException($"endpoint '{_name}': an embedding is neither an array nor base64", retryable: true);
    }

    private Task<string> PostAsync(string path, JsonObject body, ImmutableArray<string>.Builder notes, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, body.ToJsonString(), notes, cancellationToken);

    /// <summary>One call with bounded retries; returns the 2xx body or throws with the server's message, secrets removed.</summary>
    private async Task<string> SendAsync(HttpMethod method, string path, string? json, ImmutableArray<string>.Builder notes, CancellationToken cancellationToken)
    {
        var url = $"{_baseUrl}/{path}";
        var timeout = TimeSpan.FromSeconds(_config.TimeoutSeconds);
        var maxWait = TimeSpan.FromSeconds(_config.MaxBackoffSeconds);
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, url);
            if (json is not null)
                request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            if (_apiKey is not null)
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

            using var attemptToken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptToken.CancelAfter(timeout);
            HttpResponseMessage response;
            string body;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attemptToken.Token);
                body = await response.Content.ReadAsStringAsync(attemptToken.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new EffectFailedException(
                    $"endpoint '{_name}' did not answer {method} /{path} within {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s (TimeoutSeconds)", retryable: true);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                var why = _redactor.Scrub(e.InnerException?.Message ?? e.Message);
                if (attempt < _config.MaxAttempts)
                {
                    var wait = RetryPolicy.Backoff(attempt, TimeSpan.FromMilliseconds(_config.BackoffBaseMilliseconds), maxWait, _jitter);
                    notes.Add($"attempt {attempt} could not connect ({why}); retried after {Seconds(wait)} s");
                    _log.LogWarning("endpoint {Endpoint}: cannot connect to {Url} ({Why}); retrying in {Wait} s", _name, url, why, Seconds(wait));
                    await Task.Delay(wait, _time, cancellationToken);
                    continue;
                }
                throw new EffectFailedException($"cannot reach endpoint '{_name}' at {url} after {attempt} attempt(s): {why}", retryable: true);
            }

            using (response)
            {
                if (response.IsSuccessStatusCode)
                    return body;
                var status = response.StatusCode;
                var serverMessage = _redactor.Scrub(ServerError.MessageOf(body));
                if (RetryPolicy.IsRetryable(status) && attempt < _config.MaxAttempts)
                {
                    var asked = RetryPolicy.RetryAfter(response.Headers, _time.GetUtcNow());
                    if (asked > maxWait)
                    {
                        throw new ServerRejectedException(status, serverMessage,
                            $"endpoint '{_name}' answered HTTP {(int)status} and asks to retry after {Seconds(asked.Value)} s, more than MaxBackoffSeconds ({Seconds(maxWait)} s): {serverMessage}",
                            retryable: true);
                    }
                    var wait = asked ?? RetryPolicy.Backoff(attempt, TimeSpan.FromMilliseconds(_config.BackoffBaseMilliseconds), maxWait, _jitter);
                    notes.Add($"attempt {attempt} got HTTP {(int)status}; retried after {Seconds(wait)} s{(asked is null ? "" : " as Retry-After asked")}");
                    _log.LogWarning("endpoint {Endpoint}: HTTP {Status} ({Message}); retrying in {Wait} s", _name, (int)status, serverMessage, Seconds(wait));
                    await Task.Delay(wait, _time, cancellationToken);
                    continue;
                }
                throw new ServerRejectedException(status, serverMessage, Describe(method, path, status, serverMessage, attempt), RetryPolicy.IsRetryable(status));
            }
        }
    }

    private string Describe(HttpMethod method, string path, HttpStatusCode status, string serverMessage, int attempts)
    {
        var text = $"endpoint '{_name}' answered HTTP {(int)status} {status} to {method} /{path}: {serverMessage}";
        if (attempts > 1)
            text += $" (after {attempts} attempts)";
        if (status == HttpStatusCode.NotFound && !HasV1(_baseUrl))
            text += $". The base URL '{_baseUrl}' has no /v1: OpenAI-compatible servers serve under /v1, try '{_baseUrl}/v1'";
        else if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            text += string.IsNullOrEmpty(_config.ApiKeyEnv)
                ? ". No ApiKeyEnv is configured for this endpoint"
                : _apiKey is null ? $". The environment variable {_config.ApiKeyEnv} is not set" : $". Check the key in {_config.ApiKeyEnv}";
        return _redactor.Scrub(text);
    }

    private static bool HasV1(string baseUrl) =>
        Uri.TryCreate(baseUrl, UriKind.Absolute, out var u) && u.AbsolutePath.TrimEnd('/').Split('/').Any(s => s.Length >= 2 && s[0] == 'v' && s[1..].All(char.IsDigit));

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "…";
}

/// <summary>A non-2xx answer, with the server's message (secrets removed) and the full description for the error event.</summary>
internal sealed class ServerRejectedException(HttpStatusCode status, string serverMessage, string message, bool retryable) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    public string ServerMessage { get; } = serverMessage;

    public bool Retryable { get; } = retryable;

    public EffectFailedException ToEffectFailure() => new(Message, Retryable);
}
