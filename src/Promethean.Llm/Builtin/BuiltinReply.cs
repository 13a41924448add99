using System.Collections.Immutable;

namespace Promethean.Llm.Builtin;

/// <summary>
/// What a builtin responder answers. It goes through the same parser as a server's reply, so think tags,
/// tool calls without ids and invalid JSON arguments are normalized exactly as they would be from HTTP;
/// <see cref="Raw"/> hands the parser a whole completion body, malformed ones included.
/// </summary>
public sealed record BuiltinReply(string Content, ImmutableArray<BuiltinToolCall> ToolCalls, string? FinishReason = "stop")
{
    public BuiltinReply(string content)
        : this(content, [], "stop")
    {
    }

    /// <summary>A complete chat completion body as a server would send it; null when the reply is built from the fields.</summary>
    public string? RawBody { get; init; }

    /// <summary>A reply given as a raw completion body (it may be malformed on purpose).</summary>
    public static BuiltinReply Raw(string body) => new("", [], null) { RawBody = body };

    /// <summary>A reply calling tools.</summary>
    public static BuiltinReply Calls(params BuiltinToolCall[] calls) => new("", [.. calls], "tool_calls");
}

/// <summary>A tool call as the builtin provider emits it; a null id or non-JSON arguments are allowed and normalized.</summary>
public sealed record BuiltinToolCall(string? Id, string Name, string Arguments);
