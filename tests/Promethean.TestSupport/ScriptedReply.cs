using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Promethean.TestSupport;

/// <summary>One scripted HTTP answer of the loopback server: status, body, content type, headers and a delay before answering.</summary>
public sealed record ScriptedReply(int Status, string Body, string ContentType = "application/json")
{
    public ImmutableSortedDictionary<string, string> Headers { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>Wait this long before answering (past the client's timeout to test timeouts and cancellation).</summary>
    public TimeSpan Delay { get; init; }

    public ScriptedReply WithHeader(string name, string value) => this with { Headers = Headers.SetItem(name, value) };

    public ScriptedReply After(TimeSpan delay) => this with { Delay = delay };

    /// <summary>A normal chat completion. <paramref name="finishReason"/> null leaves it out; <paramref name="usage"/> false omits usage.</summary>
    public static ScriptedReply Chat(string content, string? finishReason = "stop", bool usage = true, string model = "loopback-model",
        string? reasoningContent = null)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = content };
        if (reasoningContent is not null)
            message["reasoning_content"] = reasoningContent;
        return Completion(message, finishReason, usage, model);
    }

    /// <summary>A reply whose message carries <paramref name="toolCallsJson"/> verbatim as <c>tool_calls</c>, in whatever odd shape a test needs.</summary>
    public static ScriptedReply ToolCalls(string toolCallsJson, string? finishReason = "tool_calls", bool usage = true)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = JsonNode.Parse(toolCallsJson) };
        return Completion(message, finishReason, usage, "loopback-model");
    }

    public static ScriptedReply Completion(JsonObject message, string? finishReason, bool usage, string model)
    {
        var choice = new JsonObject { ["index"] = 0, ["message"] = message };
        if (finishReason is not null)
            choice["finish_reason"] = finishReason;
        var body = new JsonObject
        {
            ["id"] = "chatcmpl-loopback",
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000,
            ["model"] = model,
            ["choices"] = new JsonArray(choice),
        };
        if (usage)
            body["usage"] = new JsonObject { ["prompt_tokens"] = 11, ["completion_tokens"] = 7, ["total_tokens"] = 18 };
        return Json(200, body.ToJsonString());
    }

    public static ScriptedReply Json(int status, string body) => new(status, body);

    public static ScriptedReply Text(int status, string body) => new(status, body, "text/plain; charset=utf-8");

    /// <summary>429 with a <c>Retry-After</c> header (seconds or an HTTP date).</summary>
    public static ScriptedReply TooManyRequests(string retryAfter) =>
        Json(429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"rate_limit\"}}").WithHeader("Retry-After", retryAfter);

    public static ScriptedReply RetryAfterDate(DateTimeOffset when, int status = 503) =>
        Json(status, "{\"error\":\"overloaded\"}").WithHeader("Retry-After", when.ToString("r", CultureInfo.InvariantCulture));
}
