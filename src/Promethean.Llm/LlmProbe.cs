using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core.Effects;
using Promethean.Llm.Builtin;
using Promethean.Llm.Http;
using Promethean.Llm.Local;
using Promethean.Runtime.Config;
using Promethean.Runtime.Handlers;

namespace Promethean.Llm;

/// <summary>One probe of <c>promethean llm check</c>: what was tried, whether it worked, and what was seen.</summary>
public sealed record ProbeRow(string Check, string Result, string Detail);

/// <summary>The probes' outcome: a row per check, the settings the server needs, and the quirks the client handles on its own.</summary>
public sealed record ProbeReport(string Endpoint, string Description, ImmutableArray<ProbeRow> Rows, ImmutableArray<string> Settings, ImmutableArray<string> Quirks)
{
    public const string Ok = "ok";
    public const string Fail = "FAIL";
    public const string Warn = "warn";
    public const string Skip = "skip";

    /// <summary>True when nothing failed.</summary>
    public bool Healthy => Rows.All(r => r.Result != Fail);
}

/// <summary>
/// Probes a configured endpoint the way the runtime will use it (models, a chat, a tool call, an embedding) and
/// works out which quirk settings the server needs (/v1, max_tokens field, tools) and which quirks the client
/// absorbs by itself (think tags, missing ids, missing usage, ...). Backs <c>promethean llm check</c>.
/// </summary>
public static class LlmProbe
{
    private static readonly ToolSpec ClockTool = new("get_time", "Returns the current time. Call it whenever asked for the time.",
        """{"type":"object","properties":{"timezone":{"type":"string","description":"IANA zone, e.g. UTC"}},"required":["timezone"]}""");

    public static async Task<ProbeReport> RunAsync(string name, LlmEndpointConfig config, HttpClient http, CancellationToken cancellationToken,
        Func<string, string?>? environment = null)
    {
        var rows = ImmutableArray.CreateBuilder<ProbeRow>();
        var settings = new SortedSet<string>(StringComparer.Ordinal);
        var quirks = new SortedSet<string>(StringComparer.Ordinal);
        switch (config.Provider)
        {
            case LlmProvider.Builtin:
                var reply = await new BuiltinChatProvider().ChatAsync(Chat("probe-chat", "Reply with the single word: pong"), "builtin", cancellationToken);
                rows.Add(new ProbeRow("chat", ProbeReport.Ok, $"builtin offline provider: \"{Short(reply.Text)}\""));
                return new ProbeReport(name, "builtin deterministic chat (no model, no network)", rows.ToImmutable(), [], []);
            case LlmProvider.Local:
                using (var local = new LocalEmbeddingProvider())
                {
                    var watch = Stopwatch.StartNew();
                    var v = await local.EmbedAsync(["hello world"], LocalEmbeddingProvider.ModelName, background: false, cancellationToken);
                    rows.Add(new ProbeRow("embedding", ProbeReport.Ok, $"{v.Vectors[0].Length} dims, {LocalEmbeddingProvider.ModelName}, {Ms(watch)} (first call loads the model)"));
                }
                return new ProbeReport(name, "local MiniLM embeddings (offline)", rows.ToImmutable(), [], []);
        }

        var client = new OpenAiClient(name, config, http, NullLogger.Instance, environment: environment);
        var description = $"{config.BaseUrl}  model {Display(config.Model)}  embeddings {Display(config.EmbeddingModel)}  key {(string.IsNullOrEmpty(config.ApiKeyEnv) ? "none" : client.HasApiKey ? $"from {config.ApiKeyEnv}" : $"{config.ApiKeyEnv} NOT SET")}";

        await Models(client, config, rows, settings, cancellationToken);
        var chatClient = await ChatProbe(name, config, http, client, rows, settings, quirks, environment, cancellationToken);
        await ToolProbe(chatClient, config, rows, settings, quirks, cancellationToken);
        await EmbeddingProbe(client, config, rows, quirks, cancellationToken);
        return new ProbeReport(name, description, rows.ToImmutable(), [.. settings], [.. quirks]);
    }

    private static async Task Models(OpenAiClient client, LlmEndpointConfig config, ImmutableArray<ProbeRow>.Builder rows, SortedSet<string> settings, CancellationToken ct)
    {
        try
        {
            var models = await client.ListModelsAsync(ct);
            var listed = string.IsNullOrEmpty(config.Model) || models.Contains(config.Model, StringComparer.Ordinal);
            rows.Add(new ProbeRow("models", listed ? ProbeReport.Ok : ProbeReport.Warn,
                $"{models.Length} listed" + (string.IsNullOrEmpty(config.Model) ? "" : listed ? $"; '{config.Model}' among them" : $"; '{config.Model}' NOT among them: {string.Join(", ", models.Take(8))}")));
        }
        catch (EffectFailedException e)
        {
            rows.Add(new ProbeRow("models", ProbeReport.Fail, e.Message));
            if (e.Message.Contains("has no /v1", StringComparison.Ordinal))
                settings.Add($"BaseUrl = {config.BaseUrl.TrimEnd('/')}/v1");
        }
    }

    /// <summary>A plain chat; on a 400 about the output-cap field, tries the other field and recommends it.</summary>
    private static async Task<OpenAiClient> ChatProbe(string name, LlmEndpointConfig config, HttpClient http, OpenAiClient client,
        ImmutableArray<ProbeRow>.Builder rows, SortedSet<string> settings, SortedSet<string> quirks, Func<string, string?>? environment, CancellationToken ct)
    {
        var chat = Chat("probe-chat", "Reply with the single word: pong");
        var watch = Stopwatch.StartNew();
        try
        {
            var result = await client.ChatAsync(chat, config.Model, ct);
            rows.Add(new ProbeRow("chat", ProbeReport.Ok, $"\"{Short(result.Text)}\" finish={result.FinishReason} {Ms(watch)} via {client.MaxTokensField}"));
            Absorb(result, quirks);
            return client;
        }
        catch (EffectFailedException e) when (e.Message.Contains("max_tokens", StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains("max_completion_tokens", StringComparison.OrdinalIgnoreCase))
        {
            var other = client.MaxTokensField == "max_tokens" ? MaxTokensParameter.MaxCompletionTokens : MaxTokensParameter.MaxTokens;
            var retry = new OpenAiClient(name, config.With(other), http, NullLogger.Instance, environment: environment);
            try
            {
                var result = await retry.ChatAsync(chat, config.Model, ct);
                rows.Add(new ProbeRow("chat", ProbeReport.Ok, $"\"{Short(result.Text)}\" only with {retry.MaxTokensField} (the server refused {client.MaxTokensField})"));
                settings.Add($"MaxTokensParameter = {other}");
                Absorb(result, quirks);
                return retry;
            }
            catch (EffectFailedException again)
            {
                rows.Add(new ProbeRow("chat", ProbeReport.Fail, again.Message));
                return client;
            }
        }
        catch (EffectFailedException e)
        {
            rows.Add(new ProbeRow("chat", ProbeReport.Fail, e.Message));
            if (e.Message.Contains("has no /v1", StringComparison.Ordinal))
                settings.Add($"BaseUrl = {config.BaseUrl.TrimEnd('/')}/v1");
            if (e.Message.Contains("did not answer", StringComparison.Ordinal))
                settings.Add($"TimeoutSeconds > {config.TimeoutSeconds.ToString(CultureInfo.InvariantCulture)} (the server is slower than the timeout)");
            return client;
        }
    }

    private static async Task ToolProbe(OpenAiClient client, LlmEndpointConfig config, ImmutableArray<ProbeRow>.Builder rows, SortedSet<string> settings,
        SortedSet<string> quirks, CancellationToken ct)
    {
        if (!config.SupportsTools)
        {
            rows.Add(new ProbeRow("tool call", ProbeReport.Skip, "SupportsTools is false"));
            return;
        }
        try
        {
            var chat = Chat("probe-tool", "What time is it in UTC? Use the get_time tool.") with { Tools = [ClockTool] };
            var result = await client.ChatAsync(chat, config.Model, ct);
            Absorb(result, quirks);
            if (result.Notes.Any(n => n.StartsWith("tools dropped", StringComparison.Ordinal)))
            {
                rows.Add(new ProbeRow("tool call", ProbeReport.Fail, "the server rejects tools (400); the client falls back to no tools"));
                settings.Add("SupportsTools = false (or start the server with tool parsing, e.g. vLLM --enable-auto-tool-choice --tool-call-parser ...)");
            }
            else if (result.ToolCalls.IsEmpty)
            {
                rows.Add(new ProbeRow("tool call", ProbeReport.Warn, $"tools accepted but the model answered in text: \"{Short(result.Text)}\""));
            }
            else
            {
                var call = result.ToolCalls[0];
                rows.Add(new ProbeRow("tool call", call.ArgumentsError is null ? ProbeReport.Ok : ProbeReport.Warn,
                    $"{call.Name}({Short(call.Arguments)}) finish={result.FinishReason}" + (call.ArgumentsError is null ? "" : $"; {call.ArgumentsError}")));
            }
        }
        catch (EffectFailedException e)
        {
            rows.Add(new ProbeRow("tool call", ProbeReport.Fail, e.Message));
        }
    }

    private static async Task EmbeddingProbe(OpenAiClient client, LlmEndpointConfig config, ImmutableArray<ProbeRow>.Builder rows, SortedSet<string> quirks, CancellationToken ct)
    {
        var model = string.IsNullOrEmpty(config.EmbeddingModel) ? config.Model : config.EmbeddingModel;
        try
        {
            var result = await client.EmbedAsync(["first probe sentence", "second probe sentence", "third"], model, background: false, ct);
            rows.Add(new ProbeRow("embedding", ProbeReport.Ok, $"{result.Vectors[0].Length} dims, model {result.Model}"));
            foreach (var note in result.Notes)
                quirks.Add(note);
        }
        catch (EffectFailedException e)
        {
            rows.Add(new ProbeRow("embedding", string.IsNullOrEmpty(config.EmbeddingModel) ? ProbeReport.Warn : ProbeReport.Fail,
                (string.IsNullOrEmpty(config.EmbeddingModel) ? "no EmbeddingModel configured; tried the chat model: " : "") + e.Message));
        }
    }

    /// <summary>Quirks seen in a reply that the client handles by itself, in words a user recognises.</summary>
    private static void Absorb(ChatResult result, SortedSet<string> quirks)
    {
        foreach (var note in result.Notes)
        {
            if (note.Contains("had no id", StringComparison.Ordinal))
                quirks.Add("tool calls come without ids: deterministic ids generated");
            else if (note.Contains("sent arguments as a JSON", StringComparison.Ordinal))
                quirks.Add("tool arguments come as JSON objects, not strings: re-serialized");
            else if (note.Contains("invalid JSON arguments", StringComparison.Ordinal))
                quirks.Add("tool arguments are sometimes invalid JSON: reported back to the model as a tool error");
            else if (note.StartsWith("finish_reason", StringComparison.Ordinal))
                quirks.Add(note);
            else if (note.StartsWith("reasoning", StringComparison.Ordinal))
                quirks.Add(note);
            else if (note.StartsWith("attempt", StringComparison.Ordinal))
                quirks.Add("the server asked to retry (429/5xx); the client backs off and retries");
        }
        if (result.PromptTokens is null || result.CompletionTokens is null)
            quirks.Add("usage not reported: estimated with the tokenizer and marked estimated");
    }

    private static LlmChat Chat(string id, string text) =>
        new("probe", "", [new ChatMessage("user", text)], [], MaxOutputTokens: 256) { Id = id };

    private static string Display(string s) => string.IsNullOrEmpty(s) ? "(none)" : s;

    private static string Ms(Stopwatch w) => w.ElapsedMilliseconds.ToString(CultureInfo.InvariantCulture) + " ms";

    private static string Short(string s)
    {
        var line = s.ReplaceLineEndings(" ").Trim();
        return line.Length <= 60 ? line : line[..60] + "…";
    }
}
