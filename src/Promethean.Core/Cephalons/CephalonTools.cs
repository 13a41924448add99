using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Promethean.Core.Effects;

namespace Promethean.Core.Cephalons;

/// <summary>
/// The tools a session may offer its model (DESIGN 5): memory search, pin and unpin, reading a file inside
/// the roots, and sending to Discord. A session's profile lists the ones it allows; anything else the model
/// calls gets an error result. Arguments are parsed here, strictly, so a hostile or broken call becomes a
/// clear tool error, never an exception.
/// </summary>
public static class CephalonTools
{
    public const string MemorySearch = "memory_search";
    public const string MemoryPin = "memory_pin";
    public const string MemoryUnpin = "memory_unpin";
    public const string ReadFile = "read_file";
    public const string DiscordSend = "discord_send";

    /// <summary>Longest tool result handed back to the model, in characters.</summary>
    public const int MaxResultChars = 6_000;

    public const int MaxSearchResults = 20;

    public static readonly ImmutableSortedDictionary<string, ToolSpec> Specs = new[]
    {
        new ToolSpec(MemorySearch, "Search your memories by meaning, keywords and association. Returns the best matches with their ids.",
            """{"type":"object","properties":{"query":{"type":"string","description":"what to look for"},"k":{"type":"integer","minimum":1,"maximum":20}},"required":["query"]}"""),
        new ToolSpec(MemoryPin, "Pin a memory so it stays in your context on every turn.",
            """{"type":"object","properties":{"memory_id":{"type":"string"}},"required":["memory_id"]}"""),
        new ToolSpec(MemoryUnpin, "Unpin a memory you pinned before.",
            """{"type":"object","properties":{"memory_id":{"type":"string"}},"required":["memory_id"]}"""),
        new ToolSpec(ReadFile, "Read a text file inside the configured roots, by relative path (e.g. docs/notes/plan.md).",
            """{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}"""),
        new ToolSpec(DiscordSend, "Post a message to a Discord channel; by default the channel you are answering in.",
            """{"type":"object","properties":{"content":{"type":"string"},"channel_id":{"type":"string"}},"required":["content"]}"""),
    }.ToImmutableSortedDictionary(s => s.Name, s => s, StringComparer.Ordinal);

    /// <summary>The specs of the allowed tools that exist, in name order.</summary>
    public static ImmutableArray<ToolSpec> For(IEnumerable<string> allowed) =>
        [.. allowed.Where(Specs.ContainsKey).Order(StringComparer.Ordinal).Select(n => Specs[n])];

    /// <summary>The JSON object of a call's arguments, or an error message for the model.</summary>
    public static bool TryArguments(string json, string? clientError, out JsonElement arguments, out string error)
    {
        arguments = default;
        if (clientError is not null)
        {
            error = "arguments are not valid JSON: " + clientError;
            return false;
        }
        try
        {
            using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json, new JsonDocumentOptions { MaxDepth = 16 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "arguments must be a JSON object";
                return false;
            }
            arguments = doc.RootElement.Clone();
            error = "";
            return true;
        }
        catch (JsonException e)
        {
            error = "arguments are not valid JSON: " + e.Message;
            return false;
        }
    }

    /// <summary>A required non-empty string argument.</summary>
    public static bool TryString(JsonElement arguments, string name, out string value, out string error)
    {
        value = "";
        if (!arguments.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString()))
        {
            error = $"'{name}' is required and must be a non-empty string";
            return false;
        }
        value = v.GetString()!;
        error = "";
        return true;
    }

    public static string? OptionalString(JsonElement arguments, string name) =>
        arguments.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString()) ? v.GetString() : null;

    public static int OptionalInt(JsonElement arguments, string name, int fallback, int min, int max) =>
        arguments.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? Math.Clamp(n, min, max) : fallback;

    /// <summary>
    /// Null when the path may be handed to <c>fs/read</c>; otherwise why not. The file handler confines paths
    /// to the roots too (and resolves symlinks); this refuses the obvious escapes before any effect exists.
    /// </summary>
    public static string? PathProblem(string path)
    {
        if (path.Contains('\0', StringComparison.Ordinal))
            return "the path contains a NUL character";
        var p = path.Replace('\\', '/');
        if (p.StartsWith('/') || p.StartsWith('~') || (p.Length > 1 && p[1] == ':'))
            return "only relative paths inside the configured roots may be read";
        if (p.Split('/').Any(segment => segment == ".."))
            return "'..' may not appear in a path";
        return null;
    }

    /// <summary>Cuts a tool result to <see cref="MaxResultChars"/>, saying so.</summary>
    public static string Cap(string text)
    {
        if (text.Length <= MaxResultChars)
            return text;
        var end = MaxResultChars;
        if (char.IsHighSurrogate(text[end - 1]))
            end--;
        return text[..end] + string.Create(CultureInfo.InvariantCulture, $"\n[… {text.Length - end} more characters not shown]");
    }

    /// <summary>A one-line JSON-ish echo of a tool result for the transcript.</summary>
    public static string Describe(string name, string arguments, string result, bool isError)
    {
        var text = new StringBuilder();
        text.Append(name).Append('(').Append(arguments.Length > 200 ? arguments[..200] + "…" : arguments).Append(')');
        text.Append(isError ? " failed: " : " -> ").Append(result.Length > 400 ? result[..400] + "…" : result);
        return text.ToString();
    }
}
