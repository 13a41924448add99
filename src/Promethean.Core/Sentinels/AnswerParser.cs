using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Promethean.Core.Sentinels;

/// <summary>
/// Reads the fields a model proposed from its answer: a fenced YAML or JSON block, a
/// <c>---</c> delimited block, a bare JSON object, or a bare YAML mapping, with any prose around it.
/// Only keys the contract names are taken; anything else a model adds (including keys that look
/// like paths) is dropped, and the answer never names a file.
/// </summary>
public static partial class AnswerParser
{
    public static ImmutableSortedDictionary<string, FieldValue> Parse(string answer, IReadOnlyCollection<string> fields, int maxChars, out string? error)
    {
        error = null;
        if (answer.Length > maxChars)
        {
            error = $"the answer is {answer.Length} characters long, over the {maxChars} character limit; answer with the YAML block only";
            return ImmutableSortedDictionary<string, FieldValue>.Empty;
        }
        var text = Think().Replace(answer, "");
        foreach (var candidate in Candidates(text))
        {
            var map = TryRead(candidate);
            if (map is null || !map.Keys.Any(fields.Contains))
                continue;
            return map.Where(kv => fields.Contains(kv.Key)).ToImmutableSortedDictionary(StringComparer.Ordinal);
        }
        error = string.IsNullOrWhiteSpace(text)
            ? "the answer was empty"
            : "no YAML mapping or JSON object with the contract's fields was found in the answer";
        return ImmutableSortedDictionary<string, FieldValue>.Empty;
    }

    private static IEnumerable<string> Candidates(string text)
    {
        foreach (Match m in Fenced().Matches(text))
            yield return m.Groups["body"].Value;
        foreach (Match m in Dashed().Matches(text))
            yield return m.Groups["body"].Value;
        var open = text.IndexOf('{', StringComparison.Ordinal);
        var close = text.LastIndexOf('}');
        if (open >= 0 && close > open)
            yield return text[open..(close + 1)];
        yield return text;
    }

    private static Dictionary<string, FieldValue>? TryRead(string candidate)
    {
        var trimmed = candidate.Trim();
        if (trimmed.StartsWith('{'))
            return TryJson(trimmed);
        var entries = FrontmatterYaml.Parse(candidate, out var error);
        if (error is not null || entries.IsEmpty)
            return null;
        return entries.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
    }

    private static Dictionary<string, FieldValue>? TryJson(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16, AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return null;
            var map = new Dictionary<string, FieldValue>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject())
                map[p.Name] = FromJson(p.Value);
            return map;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static FieldValue FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => FieldValue.Of(e.GetString()!),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => FieldValue.Of(e.GetRawText()),
        JsonValueKind.Null => FieldValue.Null,
        JsonValueKind.Array when e.EnumerateArray().All(i => i.ValueKind is JsonValueKind.String or JsonValueKind.Number) =>
            FieldValue.List(e.EnumerateArray().Select(i => i.ValueKind == JsonValueKind.String ? i.GetString()! : i.GetRawText())),
        _ => FieldValue.Other,
    };

    [GeneratedRegex(@"<think>.*?</think>", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Think();

    [GeneratedRegex(@"^[ \t]*(```|~~~)[ \t]*[A-Za-z0-9_-]*[ \t]*\r?\n(?<body>.*?)^[ \t]*\1[ \t]*$", RegexOptions.Singleline | RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex Fenced();

    [GeneratedRegex(@"^---[ \t]*\r?\n(?<body>.*?)^(---|\.\.\.)[ \t]*\r?$", RegexOptions.Singleline | RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex Dashed();
}
