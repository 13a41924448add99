namespace Promethean.Runtime.Config;

/// <summary>
/// LLM endpoints by name. Effects name the endpoint they want (<c>llm/chat</c>'s <c>Endpoint</c>); sessions and
/// contracts choose one by name. The endpoints <c>builtin</c> (offline chat) and <c>local</c> (offline MiniLM
/// embeddings) always exist unless configured otherwise, so the daemon runs with no server and no key.
/// </summary>
public sealed class LlmConfig
{
    public const string BuiltinEndpoint = "builtin";
    public const string LocalEndpoint = "local";

    /// <summary>Endpoint used for chat when an effect names none.</summary>
    public string DefaultChatEndpoint { get; set; } = BuiltinEndpoint;

    /// <summary>Endpoint used for embeddings when an effect names none.</summary>
    public string DefaultEmbedEndpoint { get; set; } = LocalEndpoint;

    public Dictionary<string, LlmEndpointConfig> Endpoints { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Chat endpoint per contract id (the effect's <c>Meta["contract"]</c>, e.g. <c>frontmatter/v1</c>) for effects that name no endpoint.</summary>
    public Dictionary<string, string> ContractEndpoints { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Chat endpoint per session name (the effect's <c>Meta["session"]</c>) for effects that name no endpoint.</summary>
    public Dictionary<string, string> SessionEndpoints { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The configured endpoints plus <c>builtin</c> and <c>local</c> where the config does not define them.</summary>
    public IReadOnlyDictionary<string, LlmEndpointConfig> ResolvedEndpoints()
    {
        var all = new SortedDictionary<string, LlmEndpointConfig>(Endpoints, StringComparer.Ordinal);
        all.TryAdd(BuiltinEndpoint, new LlmEndpointConfig { Provider = LlmProvider.Builtin, Model = "builtin", ContextWindowTokens = 32768 });
        all.TryAdd(LocalEndpoint, new LlmEndpointConfig { Provider = LlmProvider.Local, EmbeddingModel = "all-MiniLM-L6-v2" });
        return all;
    }

    /// <summary>Every configured price as olympia's world data (<c>endpoint|model</c> keys).</summary>
    public Core.Components.OlympiaSettings ToOlympiaSettings() => new(System.Collections.Immutable.ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
        ResolvedEndpoints().SelectMany(e => e.Value.Prices.Select(p => new KeyValuePair<string, Core.Components.TokenPrice>(
            Core.Components.OlympiaSettings.Key(e.Key, p.Key), new Core.Components.TokenPrice(p.Value.InputPerMillion, p.Value.OutputPerMillion))))));

    public static IEnumerable<string> Validate(LlmConfig c)
    {
        var all = c.ResolvedEndpoints();
        if (!all.ContainsKey(c.DefaultChatEndpoint))
            yield return $"Llm:DefaultChatEndpoint names an unknown endpoint '{c.DefaultChatEndpoint}'";
        if (!all.ContainsKey(c.DefaultEmbedEndpoint))
            yield return $"Llm:DefaultEmbedEndpoint names an unknown endpoint '{c.DefaultEmbedEndpoint}'";
        foreach (var (contract, endpoint) in c.ContractEndpoints.Where(p => !all.ContainsKey(p.Value)))
            yield return $"Llm:ContractEndpoints:{contract} names an unknown endpoint '{endpoint}'";
        foreach (var (session, endpoint) in c.SessionEndpoints.Where(p => !all.ContainsKey(p.Value)))
            yield return $"Llm:SessionEndpoints:{session} names an unknown endpoint '{endpoint}'";
        foreach (var (name, e) in c.Endpoints)
        {
            var key = $"Llm:Endpoints:{name}";
            if (e.Provider == LlmProvider.OpenAiCompatible)
            {
                if (!Uri.TryCreate(e.BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                    yield return $"{key}:BaseUrl must be an absolute http(s) URL such as http://localhost:11434/v1";
                if (string.IsNullOrWhiteSpace(e.Model) && string.IsNullOrWhiteSpace(e.EmbeddingModel))
                    yield return $"{key}:Model (or EmbeddingModel) must be set";
            }
            if (e.ApiKeyEnv is { Length: > 0 } env && (env.StartsWith("sk-", StringComparison.Ordinal) || env.Any(char.IsWhiteSpace)))
                yield return $"{key}:ApiKeyEnv must name an environment variable, not hold the key itself";
            if (e.ContextWindowTokens < 256)
                yield return $"{key}:ContextWindowTokens must be at least 256";
            if (e.MaxOutputTokens < 1 || e.MaxOutputTokens >= e.ContextWindowTokens)
                yield return $"{key}:MaxOutputTokens must be at least 1 and less than ContextWindowTokens";
            if (e.TimeoutSeconds <= 0)
                yield return $"{key}:TimeoutSeconds must be positive";
            if (e.MaxAttempts is < 1 or > 10)
                yield return $"{key}:MaxAttempts must be between 1 and 10";
            if (e.EmbeddingBatchSize is < 1 or > 2048)
                yield return $"{key}:EmbeddingBatchSize must be between 1 and 2048";
            if (e.Threads is < 1 or > 64)
                yield return $"{key}:Threads must be between 1 and 64";
            if (e.EmbeddingBatchTokens < 1)
                yield return $"{key}:EmbeddingBatchTokens must be positive";
            foreach (var (model, price) in e.Prices.Where(p => p.Value.InputPerMillion < 0 || p.Value.OutputPerMillion < 0 || !double.IsFinite(p.Value.InputPerMillion + p.Value.OutputPerMillion)))
                yield return $"{key}:Prices:{model} must be finite and not negative";
        }
    }
}

/// <summary>What answers an endpoint: an OpenAI-compatible HTTP server, the offline builtin chat, or local MiniLM embeddings.</summary>
public enum LlmProvider
{
    OpenAiCompatible,
    Builtin,
    Local,
}

/// <summary>Which request field carries the output cap: newer OpenAI models want <c>max_completion_tokens</c>, most local servers <c>max_tokens</c>.</summary>
public enum MaxTokensParameter
{
    /// <summary><c>max_completion_tokens</c> for api.openai.com, <c>max_tokens</c> everywhere else.</summary>
    Auto,
    MaxTokens,
    MaxCompletionTokens,
}

/// <summary>One named endpoint. The API key is read from the environment variable named here, never stored in config.</summary>
public sealed class LlmEndpointConfig
{
    /// <summary>A copy with another token-limit parameter style, every other setting kept (the probe tries both).</summary>
    public LlmEndpointConfig With(MaxTokensParameter parameter)
    {
        var copy = (LlmEndpointConfig)MemberwiseClone();
        copy.MaxTokensParameter = parameter;
        return copy;
    }

    public LlmProvider Provider { get; set; } = LlmProvider.OpenAiCompatible;

    /// <summary>Base URL including <c>/v1</c>, e.g. <c>http://localhost:11434/v1</c> for Ollama.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>Name of the environment variable holding the API key; empty for servers that need none.</summary>
    public string ApiKeyEnv { get; set; } = "";

    /// <summary>Chat model used when an effect names none.</summary>
    public string Model { get; set; } = "";

    /// <summary>Embedding model used when an effect names none.</summary>
    public string EmbeddingModel { get; set; } = "";

    /// <summary>The model's context window; Ollama's default is small (2048-4096), set it to what the server really uses.</summary>
    public int ContextWindowTokens { get; set; } = 8192;

    public int MaxOutputTokens { get; set; } = 1024;

    public MaxTokensParameter MaxTokensParameter { get; set; } = MaxTokensParameter.Auto;

    /// <summary>False for servers that reject <c>tools</c> (e.g. vLLM without tool parsing): requests go without tools.</summary>
    public bool SupportsTools { get; set; } = true;

    /// <summary>Seconds per HTTP attempt.</summary>
    public double TimeoutSeconds { get; set; } = 60;

    /// <summary>Attempts per call on 429/5xx and connection failures (400/401/404 are never retried).</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>First backoff step in milliseconds; doubles per attempt, with jitter.</summary>
    public int BackoffBaseMilliseconds { get; set; } = 500;

    /// <summary>Longest wait between attempts, whatever Retry-After asks; a longer ask fails the call as retryable.</summary>
    public double MaxBackoffSeconds { get; set; } = 30;

    /// <summary>Inputs per embeddings request (OpenAI's cap is 2048).</summary>
    public int EmbeddingBatchSize { get; set; } = 2048;

    /// <summary>Estimated tokens per embeddings request.</summary>
    public int EmbeddingBatchTokens { get; set; } = 100_000;

    /// <summary><c>auto</c> (by model family), <c>o200k</c> or <c>cl100k</c>: the tokenizer for budgets and usage estimates.</summary>
    public string Tokenizer { get; set; } = "auto";

    /// <summary>For the <c>Local</c> provider: ONNX threads per embedding call (several calls run in parallel anyway).</summary>
    public int Threads { get; set; } = 1;

    /// <summary>
    /// Token prices by model for olympia's cost metrics: the key is a model name or a prefix of the names the
    /// server reports, or <c>*</c> for any model of this endpoint. No entry, no cost.
    /// </summary>
    public Dictionary<string, ModelPrice> Prices { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>US dollars per million tokens.</summary>
public sealed class ModelPrice
{
    public double InputPerMillion { get; set; }
    public double OutputPerMillion { get; set; }
}
