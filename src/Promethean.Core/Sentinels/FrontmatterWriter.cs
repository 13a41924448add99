using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Promethean.Core.Sentinels;

/// <summary>
/// Merges new values into a note's frontmatter. Keys it changes are rewritten in place, new keys
/// are appended in the order given, every other line of the block (unknown keys, comments) and
/// the whole body stay byte-identical; the block uses the note's own line ending.
/// </summary>
public static partial class FrontmatterWriter
{
    public static string Merge(FrontmatterDocument doc, ImmutableArray<FrontmatterEntry> existing, IEnumerable<KeyValuePair<string, FieldValue>> updates)
    {
        var nl = doc.Newline;
        var yaml = doc.Yaml;
        var replacements = new List<(int Start, int End, string Text)>();
        var appended = new StringBuilder();
        foreach (var (key, value) in updates)
        {
            var entry = existing.FirstOrDefault(e => e.Key == key);
            var text = Emit(key, value, nl);
            if (entry is null)
            {
                appended.Append(text);
            }
            else if (!Same(entry.Value, value))
            {
                replacements.Add((entry.SpanStart, KeepTrailingComments(yaml, entry.SpanStart, entry.SpanEnd), text));
            }
        }

        var sb = new StringBuilder(yaml.Length + appended.Length + 64);
        var pos = 0;
        foreach (var (start, end, text) in replacements.OrderBy(r => r.Start))
        {
            sb.Append(yaml, pos, start - pos).Append(text);
            pos = end;
        }
        sb.Append(yaml, pos, yaml.Length - pos);
        if (appended.Length > 0)
        {
            if (sb.Length > 0 && sb[^1] != '\n')
                sb.Append(nl);
            sb.Append(appended);
        }

        return doc.HasFrontmatter
            ? doc.Bom + doc.OpenLine + sb + doc.CloseLine + doc.Body
            : doc.Bom + "---" + nl + sb + "---" + nl + doc.Body;
    }

    private static bool Same(FieldValue a, FieldValue b) =>
        a.Kind == b.Kind && a.Scalar == b.Scalar && a.Items.SequenceEqual(b.Items, StringComparer.Ordinal);

    /// <summary>One key with its value as YAML lines ending in <paramref name="nl"/>.</summary>
    public static string Emit(string key, FieldValue value, string nl) => value.Kind switch
    {
        FieldValueKind.List when value.Items.IsEmpty => $"{key}: []{nl}",
        FieldValueKind.List => $"{key}:{nl}" + string.Concat(value.Items.Select(i => $"  - {Scalar(i)}{nl}")),
        FieldValueKind.Scalar => $"{key}: {Scalar(value.Scalar!)}{nl}",
        _ => $"{key}:{nl}",
    };

    /// <summary>A YAML scalar: plain when that reads back as the same string, double-quoted otherwise.</summary>
    public static string Scalar(string text)
    {
        if (PlainSafe().IsMatch(text) && !text.Contains(": ", StringComparison.Ordinal) && !text.Contains(" #", StringComparison.Ordinal)
            && !text.EndsWith(':') && !Reserved(text))
            return text;
        var sb = new StringBuilder(text.Length + 2).Append('"');
        foreach (var ch in text)
        {
            switch (ch)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(ch) || ch is '\u2028' or '\u2029' or '\uFEFF' or '\u0085')
                        sb.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
                    else
                        sb.Append(ch);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    private static bool Reserved(string text) =>
        text.ToLowerInvariant() is "true" or "false" or "yes" or "no" or "on" or "off" or "null" or "y" or "n"
        || double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
        || text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || text.StartsWith("0o", StringComparison.OrdinalIgnoreCase);

    /// <summary>Leaves comment and blank lines at the end of a key's span where they are.</summary>
    private static int KeepTrailingComments(string yaml, int start, int end)
    {
        var cut = end;
        while (cut > start)
        {
            var lineStart = yaml.LastIndexOf('\n', Math.Max(cut - 2, 0)) + 1;
            if (lineStart <= start)
                break;
            var line = yaml[lineStart..cut].Trim();
            if (line.Length > 0 && !line.StartsWith('#'))
                break;
            cut = lineStart;
        }
        return cut;
    }

    [GeneratedRegex(@"^[\p{L}\p{N}][\p{L}\p{N} _.,!?'()/&+:@-]*(?<! )$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainSafe();
}
