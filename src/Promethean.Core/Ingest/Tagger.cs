using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Promethean.Core.Ingest;

/// <summary>Tags and typed nexus keys of one memory.</summary>
public sealed record TagSet(ImmutableSortedSet<string> Tags, ImmutableSortedSet<string> Keys);

/// <summary>Where a memory came from, as the rule tier sees it.</summary>
public sealed record TagContext(
    string Source,
    string? Channel = null,
    string? AuthorId = null,
    bool? AuthorIsBot = null,
    string? Path = null,
    string? Session = null,
    string? Tool = null);

/// <summary>
/// Deterministic tagging in tiers (DESIGN 4), never an LLM: the rule tier (source, channel, author
/// kind, folder and extension), the extractor tier (hashtags, code-fence languages, URL domains,
/// mentions, error signatures, frontmatter tags) and a configurable lexicon. Topical tags are bare
/// kebab-case words and become <c>tag:</c> keys; structural tags carry a facet prefix.
/// </summary>
public static partial class Tagger
{
    public const int MaxTopicalTags = 24;

    public static TagSet Tag(string text, TagContext context, IReadOnlyDictionary<string, ImmutableArray<string>> lexicon)
    {
        var tags = ImmutableSortedSet.CreateBuilder<string>(StringComparer.Ordinal);
        var keys = ImmutableSortedSet.CreateBuilder<string>(StringComparer.Ordinal);
        var topical = new SortedSet<string>(StringComparer.Ordinal);

        // rule tier
        tags.Add("source:" + context.Source);
        if (context.Channel is { Length: > 0 } channel)
            keys.Add("chan:" + channel);
        if (context.AuthorId is { Length: > 0 } author)
            keys.Add("author:" + author);
        if (context.AuthorIsBot is bool bot)
            tags.Add(bot ? "author:bot" : "author:human");
        if (context.Path is { Length: > 0 } path)
        {
            keys.Add("path:" + path);
            var slash = path.LastIndexOf('/');
            keys.Add("dir:" + (slash <= 0 ? "." : path[..slash]));
            var dot = path.LastIndexOf('.');
            if (dot > slash + 1)
                tags.Add("ext:" + path[(dot + 1)..].ToLowerInvariant());
            if (slash > 0)
                tags.Add("folder:" + path[..slash][(path[..slash].LastIndexOf('/') + 1)..].ToLowerInvariant());
        }
        if (context.Session is { Length: > 0 } session)
            keys.Add("session:" + session);
        if (context.Tool is { Length: > 0 } tool)
        {
            tags.Add("tool:" + tool);
            keys.Add("tool:" + tool);
        }

        // extractor tier
        // Each extractor runs only when its trigger is present: most chat lines need few of them.
        var hasDigit = text.AsSpan().IndexOfAnyInRange('0', '9') >= 0;
        foreach (Match m in When(text.Contains('#', StringComparison.Ordinal), HashtagRegex(), text))
            AddTopical(topical, m.Groups[1].Value);
        foreach (Match m in When(text.Contains("```", StringComparison.Ordinal), FenceRegex(), text))
        {
            var lang = m.Groups[1].Value.ToLowerInvariant();
            tags.Add("lang:" + lang);
            keys.Add("lang:" + lang);
        }
        foreach (Match m in When(text.Contains("http", StringComparison.OrdinalIgnoreCase), UrlRegex(), text))
        {
            var host = m.Groups[1].Value.ToLowerInvariant();
            if (host.StartsWith("www.", StringComparison.Ordinal))
                host = host[4..];
            tags.Add("url:" + host);
            keys.Add("url:" + host);
        }
        foreach (Match m in When(text.Contains("<@", StringComparison.Ordinal), MentionRegex(), text))
        {
            tags.Add("mention");
            keys.Add("author:" + m.Groups[1].Value);
        }
        foreach (Match m in When(text.Contains("Exception", StringComparison.Ordinal) || text.Contains("Error", StringComparison.Ordinal), ExceptionRegex(), text))
        {
            tags.Add("error");
            keys.Add("err:" + m.Value);
        }
        foreach (Match m in When(hasDigit, ErrorCodeRegex(), text))
        {
            tags.Add("error");
            keys.Add("err:" + m.Value.ToUpperInvariant());
        }
        if ((text.Contains("at ", StringComparison.Ordinal) || text.Contains("File \"", StringComparison.Ordinal) || text.Contains("Traceback", StringComparison.Ordinal))
            && StackTraceRegex().IsMatch(text))
        {
            tags.Add("error");
            tags.Add("stacktrace");
        }
        foreach (var t in FrontmatterTags(text))
            AddTopical(topical, t);

        // lexicon tier
        if (lexicon.Count > 0)
        {
            var words = " " + string.Join(' ', SimHash.Words(text)) + " ";
            foreach (var (tag, phrases) in lexicon.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                foreach (var phrase in phrases)
                {
                    var needle = " " + string.Join(' ', SimHash.Words(phrase)) + " ";
                    if (needle.Length > 2 && words.Contains(needle, StringComparison.Ordinal))
                    {
                        AddTopical(topical, tag);
                        break;
                    }
                }
            }
        }

        foreach (var t in topical.Take(MaxTopicalTags))
        {
            tags.Add(t);
            keys.Add("tag:" + t);
        }
        return new TagSet(tags.ToImmutable(), keys.ToImmutable());
    }

    private static IList<Match> When(bool trigger, Regex regex, string text) => trigger ? regex.Matches(text) : Array.Empty<Match>();

    /// <summary>Lower-case kebab-case form of a tag: letters and digits kept, anything else one dash.</summary>
    public static string Kebab(string raw)
    {
        var sb = new System.Text.StringBuilder(raw.Length);
        foreach (var ch in raw.Trim())
        {
            if (char.IsLetterOrDigit(ch))
                sb.Append(char.ToLowerInvariant(ch));
            else if (sb.Length > 0 && sb[^1] != '-')
                sb.Append('-');
        }
        return sb.ToString().Trim('-');
    }

    private static void AddTopical(SortedSet<string> topical, string raw)
    {
        var t = Kebab(raw);
        if (t.Length is > 0 and <= 48)
            topical.Add(t);
    }

    /// <summary>Tags of a leading YAML frontmatter block: <c>tags: [a, b]</c>, <c>tags: a, b</c> or a dash list.</summary>
    private static IEnumerable<string> FrontmatterTags(string text)
    {
        if (!text.StartsWith("---\n", StringComparison.Ordinal))
            yield break;
        var end = text.IndexOf("\n---", 4, StringComparison.Ordinal);
        if (end < 0)
            yield break;
        var lines = text[4..end].Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("tags:", StringComparison.Ordinal))
                continue;
            var inline = lines[i][5..].Trim().Trim('[', ']');
            if (inline.Length > 0)
            {
                foreach (var t in inline.Split(','))
                    yield return t.Trim().Trim('"', '\'');
                yield break;
            }
            for (var j = i + 1; j < lines.Length && lines[j].TrimStart().StartsWith('-'); j++)
                yield return lines[j].TrimStart()[1..].Trim().Trim('"', '\'');
            yield break;
        }
    }

    [GeneratedRegex(@"(?<![\w<&#/])#([A-Za-z][\w-]{1,40})", RegexOptions.CultureInvariant)]
    private static partial Regex HashtagRegex();

    [GeneratedRegex(@"^```[ \t]*([A-Za-z][\w+#.-]{0,20})[ \t]*$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex FenceRegex();

    [GeneratedRegex(@"https?://([A-Za-z0-9.-]+\.[A-Za-z]{2,})", RegexOptions.CultureInvariant)]
    private static partial Regex UrlRegex();

    [GeneratedRegex(@"<@!?(\d+)>", RegexOptions.CultureInvariant)]
    private static partial Regex MentionRegex();

    [GeneratedRegex(@"\b(?:[A-Z][A-Za-z0-9_]*\.)*[A-Z][A-Za-z0-9_]*(?:Exception|Error)\b", RegexOptions.CultureInvariant)]
    private static partial Regex ExceptionRegex();

    [GeneratedRegex(@"\b(?:CS|TS|E|ERR)\d{4,5}\b", RegexOptions.CultureInvariant)]
    private static partial Regex ErrorCodeRegex();

    [GeneratedRegex(@"^\s*(?:at [\w.<>`]+\(.*\)|File "".*"", line \d+|Traceback \(most recent call last\))", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex StackTraceRegex();
}
