using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using Promethean.Core.Effects;

namespace Promethean.Core.Sentinels;

/// <summary>
/// The offline answer for <c>frontmatter/v1</c> (DESIGN 6), for the builtin chat provider: title
/// from the first heading or the file name, slug from the title, description from the first
/// sentence, tags from a small deterministic tagger, tagged_at from the time passed in.
/// Same input, same answer.
/// </summary>
public static partial class FrontmatterHeuristics
{
    public const int MaxTags = 12;

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().Build();

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "about", "above", "after", "again", "also", "because", "been", "before", "being", "below", "between", "both",
        "cannot", "could", "does", "doing", "down", "during", "each", "else", "every", "from", "further", "have", "having",
        "here", "into", "itself", "just", "like", "more", "most", "much", "must", "need", "only", "other", "ours", "over",
        "same", "should", "some", "such", "than", "that", "their", "them", "then", "there", "these", "they", "this",
        "those", "through", "under", "until", "very", "want", "were", "what", "when", "where", "which", "while", "will",
        "with", "would", "your", "yours", "note", "notes", "todo", "http", "https", "www", "com",
    };

    /// <summary>Proposes frontmatter for a note as a fenced YAML block.</summary>
    public static string Propose(string path, string noteText, long timeMs)
    {
        var doc = FrontmatterDocument.Split(noteText, out _);
        return ProposeFromBody(path, doc.Body, IsoUtc(timeMs));
    }

    /// <summary>
    /// Answers a sentinel's <c>llm/chat</c> effect: the path and time come from the effect's meta
    /// (<c>path</c>, <c>now</c>), the body from the excerpt in the prompt.
    /// </summary>
    public static string Answer(LlmChat chat)
    {
        var path = chat.Meta.GetValueOrDefault(SentinelMeta.Path) ?? "note.md";
        var now = chat.Meta.GetValueOrDefault(SentinelMeta.Now) ?? "1970-01-01T00:00:00Z";
        var prompt = chat.Messages.FirstOrDefault(m => m.Role == "user")?.Content ?? "";
        var start = prompt.IndexOf(PromptBuilder.BodyStart, StringComparison.Ordinal);
        var end = prompt.LastIndexOf(PromptBuilder.BodyEnd, StringComparison.Ordinal);
        var body = start >= 0 && end > start ? prompt[(start + PromptBuilder.BodyStart.Length)..end].Trim('\n', '\r') : "";
        return ProposeFromBody(path, body, now);
    }

    public static string IsoUtc(long timeMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(timeMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string ProposeFromBody(string path, string body, string nowIso)
    {
        var md = Markdown.Parse(body, Pipeline);
        var heading = md.Descendants<HeadingBlock>().FirstOrDefault();
        var title = heading is null ? "" : Clean(InlineText(heading.Inline));
        if (title.Length == 0)
            title = TitleFromFileName(path);
        if (title.Length > 200)
            title = title[..200].TrimEnd();

        var paragraph = md.Descendants<ParagraphBlock>().Select(p => Clean(InlineText(p.Inline))).FirstOrDefault(t => t.Length > 0) ?? "";
        var description = Description(paragraph, title);
        var tags = Tags(path, md, title + " " + paragraph);

        var nl = "\n";
        var yaml = new StringBuilder()
            .Append(FrontmatterWriter.Emit("title", FieldValue.Of(title), nl))
            .Append(FrontmatterWriter.Emit("slug", FieldValue.Of(Slug(title)), nl))
            .Append(FrontmatterWriter.Emit("description", FieldValue.Of(description), nl))
            .Append(FrontmatterWriter.Emit("tags", FieldValue.List(tags), nl))
            .Append(FrontmatterWriter.Emit("tagged_at", FieldValue.Of(nowIso), nl));
        return "```yaml\n" + yaml + "```\n";
    }

    /// <summary>kebab-case of a title: diacritics dropped, anything else not a letter or digit becomes one hyphen.</summary>
    public static string Slug(string text, int max = 80)
    {
        var kebab = Kebab(text);
        if (kebab.Length > max)
            kebab = kebab[..max].TrimEnd('-');
        return kebab.Length == 0 ? "note" : kebab;
    }

    public static string Kebab(string text)
    {
        var decomposed = text.Normalize(NormalizationForm.FormKD);
        var sb = new StringBuilder(decomposed.Length);
        var hyphen = false;
        foreach (var ch in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(ch) == UnicodeCategory.NonSpacingMark)
                continue;
            if (ch is >= 'a' and <= 'z' or >= '0' and <= '9' || ch is >= 'A' and <= 'Z')
            {
                if (hyphen && sb.Length > 0)
                    sb.Append('-');
                hyphen = false;
                sb.Append(char.ToLowerInvariant(ch));
            }
            else
            {
                hyphen = true;
            }
        }
        return sb.ToString();
    }

    private static string TitleFromFileName(string path)
    {
        var name = path.Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..];
        var dot = name.LastIndexOf('.');
        if (dot > 0)
            name = name[..dot];
        var words = Separators().Replace(name, " ").Trim();
        if (words.Length == 0)
            return "Untitled note";
        return char.ToUpperInvariant(words[0]) + words[1..];
    }

    private static string Description(string paragraph, string title)
    {
        var sentences = Sentences.Split(paragraph);
        var first = sentences.Count > 0 ? sentences[0] : "";
        if (first.Length > 300)
        {
            var space = first.LastIndexOf(' ', 299);
            first = first[..(space > 100 ? space : 300)].TrimEnd(',', ';', ':', ' ');
        }
        first = first.TrimEnd();
        if (first.Length > 0 && !first.EndsWith('.') && !first.EndsWith('!') && !first.EndsWith('?'))
            first += ".";
        return first.Length > 0 && Sentences.Split(first).Count == 1 ? first : Fallback(title);
    }

    /// <summary>One sentence whatever the title holds: its sentence punctuation becomes spaces.</summary>
    private static string Fallback(string title)
    {
        var words = Clean(SentenceEnds().Replace(title, " "));
        if (words.Length > 300)
            words = words[..300].TrimEnd();
        return words.Length == 0 ? "A note." : $"A note on {words}.";
    }

    private static List<string> Tags(string path, MarkdownDocument md, string lead)
    {
        var tags = new List<string>();
        void Add(string raw)
        {
            var tag = Kebab(raw);
            if (tag.Length is > 0 and <= 40 && !tags.Contains(tag) && tags.Count < MaxTags)
                tags.Add(tag);
        }

        var folders = path.Replace('\\', '/').Split('/')[..^1];
        foreach (var folder in folders.SkipWhile(f => f is "docs" or "notes" or "." or "").Where(f => f is not ("docs" or "notes")))
            Add(folder);
        foreach (Match m in Hashtag().Matches(PlainText(md)))
            Add(m.Groups[1].Value);
        foreach (var fence in md.Descendants<FencedCodeBlock>())
        {
            if (!string.IsNullOrWhiteSpace(fence.Info))
                Add(fence.Info.Split(' ')[0]);
        }
        var words = Word().Matches(lead.ToLowerInvariant() + " " + PlainText(md).ToLowerInvariant())
            .Select(m => m.Value)
            .Where(w => w.Length >= 4 && !StopWords.Contains(w))
            .GroupBy(w => w, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(3);
        foreach (var w in words)
            Add(w.Key);
        if (tags.Count == 0)
            Add("note");
        return tags;
    }

    private static string PlainText(MarkdownDocument md)
    {
        var sb = new StringBuilder();
        foreach (var leaf in md.Descendants<LeafBlock>())
        {
            if (leaf is CodeBlock || leaf.Inline is null)
                continue;
            sb.Append(InlineText(leaf.Inline)).Append('\n');
        }
        return sb.ToString();
    }

    private static string InlineText(ContainerInline? inline)
    {
        if (inline is null)
            return "";
        var sb = new StringBuilder();
        foreach (var node in inline.Descendants())
        {
            switch (node)
            {
                case LiteralInline literal:
                    sb.Append(literal.Content.ToString());
                    break;
                case CodeInline code:
                    sb.Append(code.Content);
                    break;
                case LineBreakInline:
                    sb.Append(' ');
                    break;
            }
        }
        return sb.ToString();
    }

    private static string Clean(string text) => Spaces().Replace(text, " ").Trim();

    [GeneratedRegex(@"[\s_\-.]+", RegexOptions.CultureInvariant)]
    private static partial Regex Separators();

    [GeneratedRegex(@"[.!?]+", RegexOptions.CultureInvariant)]
    private static partial Regex SentenceEnds();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Spaces();

    [GeneratedRegex(@"(?<![\w&#])#([A-Za-z][\w-]{1,39})", RegexOptions.CultureInvariant)]
    private static partial Regex Hashtag();

    [GeneratedRegex(@"[a-z][a-z0-9]{3,}", RegexOptions.CultureInvariant)]
    private static partial Regex Word();
}
