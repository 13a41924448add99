namespace Promethean.Core.Sentinels;

/// <summary>
/// A markdown note split byte-exactly into BOM, frontmatter block and body, so that
/// <see cref="ToText"/> gives back the exact input. Frontmatter exists only when the very first line
/// (after an optional BOM) is <c>---</c>; a <c>---</c> anywhere else (a code block, a thematic
/// break, a block further down) belongs to the body.
/// </summary>
public sealed record FrontmatterDocument(
    string Bom,
    bool HasFrontmatter,
    string OpenLine,
    string Yaml,
    string CloseLine,
    string Body,
    string Newline)
{
    public const char BomChar = '\uFEFF';

    public string ToText() => HasFrontmatter ? Bom + OpenLine + Yaml + CloseLine + Body : Bom + Body;

    /// <summary>Splits a note; a block opened at the top but never closed is malformed and reported, not guessed at.</summary>
    public static FrontmatterDocument Split(string text, out string? error)
    {
        error = null;
        var start = text.Length > 0 && text[0] == BomChar ? 1 : 0;
        var bom = text[..start];
        var (firstLine, firstEnd) = LineAt(text, start);
        if (!IsDelimiter(firstLine, allowDots: false) || firstEnd == text.Length && !EndsWithNewline(text))
        {
            if (IsDelimiter(firstLine, allowDots: false))
                error = "malformed frontmatter: the opening '---' is never closed";
            return new FrontmatterDocument(bom, false, "", "", "", text[start..], NewlineOf(text, start));
        }

        var openLine = text[start..firstEnd];
        var pos = firstEnd;
        while (pos < text.Length)
        {
            var (line, end) = LineAt(text, pos);
            if (IsDelimiter(line, allowDots: true))
            {
                return new FrontmatterDocument(bom, true, openLine, text[firstEnd..pos], text[pos..end], text[end..],
                    openLine.EndsWith("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n");
            }
            pos = end;
        }
        error = "malformed frontmatter: the opening '---' is never closed";
        return new FrontmatterDocument(bom, false, "", "", "", text[start..], NewlineOf(text, start));
    }

    /// <summary>The line starting at <paramref name="start"/> without its ending, and the index after its ending.</summary>
    private static (string Line, int End) LineAt(string text, int start)
    {
        var nl = text.IndexOf('\n', start);
        if (nl < 0)
            return (text[start..], text.Length);
        var contentEnd = nl > start && text[nl - 1] == '\r' ? nl - 1 : nl;
        return (text[start..contentEnd], nl + 1);
    }

    private static bool EndsWithNewline(string text) => text.EndsWith('\n');

    private static bool IsDelimiter(string line, bool allowDots)
    {
        var trimmed = line.TrimEnd(' ', '\t');
        return trimmed == "---" || allowDots && trimmed == "...";
    }

    /// <summary>The note's line ending: CRLF when its first line ends so, else LF.</summary>
    private static string NewlineOf(string text, int start)
    {
        var nl = text.IndexOf('\n', start);
        return nl > start && text[nl - 1] == '\r' ? "\r\n" : "\n";
    }
}
