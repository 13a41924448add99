using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Promethean.Core.Events;

namespace Promethean.Llm;

/// <summary>
/// Reads a chat completion body defensively (OPENAI_COMPAT.md "Responses"): empty choices, missing or unknown
/// finish reasons, content as a string, null or parts, reasoning in <c>&lt;think&gt;</c> tags or in
/// <c>reasoning_content</c>, tool calls without ids, with object arguments or with invalid JSON arguments,
/// and the legacy <c>function_call</c>. Anything it had to work around becomes a note.
/// </summary>
public static class ChatResponseParser
{
    /// <summary>Parses <paramref name="body"/>; <paramref name="callKey"/> (the effect id) seeds ids for tool calls that came without one.</summary>
    public static ChatResult Parse(string body, string callKey, string requestedModel)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new MalformedReplyException($"the reply is not valid JSON ({e.Message}): {Snippet(body)}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new MalformedReplyException($"the reply is not a JSON object: {Snippet(body)}");
            var notes = ImmutableArray.CreateBuilder<string>();
            var model = Str(root, "model") is { Length: > 0 } m ? m : requestedModel;
            var (prompt, completion) = Usage(root);

            if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
                throw new MalformedReplyException("the server returned no choices" + (root.TryGetProperty("choices", out _) ? "" : " (no 'choices' field)") + $": {Snippet(body)}");
            if (choices.GetArrayLength() > 1)
                notes.Add($"{choices.GetArrayLength()} choices returned; the first is used");
            var choice = choices[0];
            if (choice.ValueKind != JsonValueKind.Object)
                throw new MalformedReplyException($"the first choice is not an object: {Snippet(body)}");
            var message = choice.TryGetProperty("message", out var msg) && msg.ValueKind == JsonValueKind.Object ? msg
                : choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object ? delta
                : default;
            if (message.ValueKind != JsonValueKind.Object)
                notes.Add("choice without a message");

            var content = message.ValueKind == JsonValueKind.Object ? Content(message) : Str(choice, "text") ?? "";
            var (text, thought) = ThinkTags.Strip(content);
            if (thought is not null)
                notes.Add("reasoning stripped from <think> tags");
            var reasoning = message.ValueKind == JsonValueKind.Object ? Str(message, "reasoning_content") ?? Str(message, "reasoning") : null;
            if (reasoning is not null)
                notes.Add("reasoning came in reasoning_content");
            reasoning ??= thought;

            var calls = message.ValueKind == JsonValueKind.Object ? ToolCalls(message, callKey, notes) : [];

            var raw = choice.TryGetProperty("finish_reason", out var fr) && fr.ValueKind == JsonValueKind.String ? fr.GetString() : null;
            var finish = FinishReasons.Normalize(raw);
            if (finish is null)
            {
                finish = calls.IsEmpty ? FinishReasons.Stop : FinishReasons.ToolCalls;
                notes.Add($"finish_reason missing; taken as {finish}");
            }
            else if (finish == FinishReasons.Unknown)
            {
                notes.Add($"finish_reason '{raw}' not recognised");
            }
            return new ChatResult(text, reasoning, calls, finish, prompt, completion, model, notes.ToImmutable());
        }
    }

    /// <summary>Content as a string, null, or an array of parts (<c>[{"type":"text","text":...}]</c>).</summary>
    private static string Content(JsonElement message)
    {
        if (!message.TryGetProperty("content", out var c))
            return "";
        return c.ValueKind switch
        {
            JsonValueKind.String => c.GetString() ?? "",
            JsonValueKind.Array => string.Concat(c.EnumerateArray()
                .Select(p => p.ValueKind == JsonValueKind.String ? p.GetString() : p.ValueKind == JsonValueKind.Object ? Str(p, "text") : null)
                .Where(s => s is not null)),
            _ => "",
        };
    }

    private static ImmutableArray<ToolCall> ToolCalls(JsonElement message, string callKey, ImmutableArray<string>.Builder notes)
    {
        var list = ImmutableArray.CreateBuilder<ToolCall>();
        if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                if (call.ValueKind != JsonValueKind.Object)
                {
                    notes.Add("a tool call that is not an object was skipped");
                    continue;
                }
                var function = call.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object ? f : call;
                list.Add(Normalize(Str(call, "id"), Str(function, "name"), function, list.Count, callKey, notes));
            }
        }
        else if (message.TryGetProperty("function_call", out var legacy) && legacy.ValueKind == JsonValueKind.Object)
        {
            notes.Add("legacy function_call read as a tool call");
            list.Add(Normalize(null, Str(legacy, "name"), legacy, 0, callKey, notes));
        }
        return list.ToImmutable();
    }

    private static ToolCall Normalize(string? id, string? name, JsonElement function, int index, string callKey, ImmutableArray<string>.Builder notes)
    {
        if (string.IsNullOrEmpty(id))
        {
            id = DeterministicId(callKey, index);
            notes.Add($"tool call {index} had no id; generated {id}");
        }
        string? error = null;
        if (string.IsNullOrEmpty(name))
        {
            name = "";
            error = "the tool call names no function";
        }
        string arguments;
        if (!function.TryGetProperty("arguments", out var args) || args.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            arguments = "{}";
        }
        else if (args.ValueKind == JsonValueKind.String)
        {
            arguments = args.GetString() ?? "";
            if (string.IsNullOrWhiteSpace(arguments))
            {
                arguments = "{}";
            }
            else
            {
                try
                {
                    using var _ = JsonDocument.Parse(arguments);
                }
                catch (JsonException e)
                {
                    error ??= $"arguments are not valid JSON: {e.Message}";
                    notes.Add($"tool call {id} has invalid JSON arguments");
                }
            }
        }
        else
        {
            arguments = args.GetRawText();
            notes.Add($"tool call {id} sent arguments as a JSON {args.ValueKind.ToString().ToLowerInvariant()}, not a string");
        }
        return new ToolCall(id, name, arguments, error);
    }

    /// <summary>An id that is the same on every run for the same call: <c>call_</c> + a hash of the effect id and position.</summary>
    public static string DeterministicId(string callKey, int index)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{callKey}#{index}")));
        return "call_" + Convert.ToHexStringLower(hash)[..24];
    }

    private static (int? Prompt, int? Completion) Usage(JsonElement root)
    {
        if (!root.TryGetProperty("usage", out var usage) || usage.ValueKind != JsonValueKind.Object)
            return (null, null);
        return (Int(usage, "prompt_tokens"), Int(usage, "completion_tokens"));
    }

    private static int? Int(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    internal static string? Str(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static string Snippet(string body) => body.Length <= 300 ? body : body[..300] + "…";
}

/// <summary>A 2xx reply that cannot be read as the expected shape.</summary>
public sealed class MalformedReplyException(string message) : Exception(message);
