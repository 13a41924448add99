using System.Collections.Immutable;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Promethean.Core.Sentinels;

/// <summary>
/// Reads a YAML block's top-level mapping with YamlDotNet's event parser. Keeps every key's text
/// span so a merge can rewrite only the keys it changes and leave the rest (comments included)
/// byte for byte. Duplicate keys, tabs used for indentation and non-mapping roots are errors.
/// </summary>
public static class FrontmatterYaml
{
    private const int MaxNodes = 10_000;

    public static ImmutableArray<FrontmatterEntry> Parse(string yaml, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(yaml) || yaml.Split('\n').All(l => l.TrimStart().StartsWith('#') || string.IsNullOrWhiteSpace(l)))
            return [];
        try
        {
            return ParseMapping(yaml);
        }
        catch (YamlException e)
        {
            error = $"malformed frontmatter: {Describe(e)} (line {e.Start.Line})";
        }
        catch (FormatException e)
        {
            error = "malformed frontmatter: " + e.Message;
        }
        return [];
    }

    private static string Describe(YamlException e)
    {
        var message = e.InnerException?.Message ?? e.Message;
        var at = message.IndexOf("): ", StringComparison.Ordinal);
        return at >= 0 && message.StartsWith('(') ? message[(at + 3)..] : message;
    }

    private static ImmutableArray<FrontmatterEntry> ParseMapping(string yaml)
    {
        var parser = new Parser(new System.IO.StringReader(yaml));
        parser.Consume<StreamStart>();
        if (parser.Accept<StreamEnd>(out _))
            return [];
        parser.Consume<DocumentStart>();
        if (parser.Accept<Scalar>(out var empty) && empty.Value.Length == 0)
            return [];
        if (!parser.Accept<MappingStart>(out _))
            throw new FormatException("the frontmatter is not a mapping of keys to values");
        parser.MoveNext();

        var raw = new List<(string Key, FieldValue Value, int KeyIndex)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var nodes = 0;
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var key = parser.Consume<Scalar>();
            if (!seen.Add(key.Value))
                throw new FormatException($"duplicate key '{key.Value}' (line {key.Start.Line})");
            var value = ReadValue(parser, ref nodes);
            raw.Add((key.Value, value, (int)key.Start.Index));
        }
        parser.Consume<DocumentEnd>();
        if (!parser.Accept<StreamEnd>(out _))
            throw new FormatException("the frontmatter holds more than one YAML document");

        var entries = ImmutableArray.CreateBuilder<FrontmatterEntry>(raw.Count);
        for (var i = 0; i < raw.Count; i++)
        {
            var start = LineStart(yaml, raw[i].KeyIndex);
            var end = i + 1 < raw.Count ? LineStart(yaml, raw[i + 1].KeyIndex) : yaml.Length;
            entries.Add(new FrontmatterEntry(raw[i].Key, raw[i].Value, start, end));
        }
        return entries.MoveToImmutable();
    }

    private static FieldValue ReadValue(IParser parser, ref int nodes)
    {
        if (++nodes > MaxNodes)
            throw new FormatException($"more than {MaxNodes} nodes");
        if (parser.TryConsume<Scalar>(out var scalar))
            return IsNull(scalar) ? FieldValue.Null : FieldValue.Of(scalar.Value);
        if (parser.TryConsume<SequenceStart>(out _))
        {
            var items = new List<string>();
            var nested = false;
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                if (parser.TryConsume<Scalar>(out var item))
                {
                    if (++nodes > MaxNodes)
                        throw new FormatException($"more than {MaxNodes} nodes");
                    items.Add(item.Value);
                }
                else
                {
                    nested = true;
                    Skip(parser, ref nodes);
                }
            }
            return nested ? FieldValue.Other : FieldValue.List(items);
        }
        Skip(parser, ref nodes);
        return FieldValue.Other;
    }

    /// <summary>Skips one node of any shape (aliases included, never expanded).</summary>
    private static void Skip(IParser parser, ref int nodes)
    {
        var depth = 0;
        do
        {
            if (++nodes > MaxNodes)
                throw new FormatException($"more than {MaxNodes} nodes");
            var e = parser.Consume<ParsingEvent>();
            depth += e.NestingIncrease;
        }
        while (depth > 0);
    }

    private static bool IsNull(Scalar s) =>
        s.Style == YamlDotNet.Core.ScalarStyle.Plain && s.Value is "" or "~" or "null" or "Null" or "NULL";

    private static int LineStart(string text, int index)
    {
        var nl = index <= 0 ? -1 : text.LastIndexOf('\n', Math.Min(index, text.Length) - 1);
        return nl + 1;
    }
}
