namespace Promethean.Llm;

/// <summary>The finish reasons an <c>llm/response</c> carries; servers' variants map onto these.</summary>
public static class FinishReasons
{
    public const string Stop = "stop";
    public const string Length = "length";
    public const string ToolCalls = "tool_calls";
    public const string ContentFilter = "content_filter";

    /// <summary>The server named a reason this client does not know; the raw value is kept in the response's notes.</summary>
    public const string Unknown = "unknown";

    /// <summary>Maps a raw value; null means the server sent none.</summary>
    public static string? Normalize(string? raw) => raw?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "stop" or "eos" or "eos_token" or "end_turn" or "stop_sequence" => Stop,
        "length" or "max_tokens" or "model_length" => Length,
        "tool_calls" or "function_call" or "tool_use" => ToolCalls,
        "content_filter" or "safety" => ContentFilter,
        _ => Unknown,
    };
}
