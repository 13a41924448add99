using System.Text;

namespace Promethean.Core.Systems;

/// <summary>
/// Normalization of memory text (DESIGN 4): NFC, CRLF to LF, trimmed, runs of blank space collapsed. Text that is not
/// valid UTF-16 (an unpaired surrogate, which a Discord message's JSON can carry as a <c>\ud800</c> escape) has no NFC
/// form: its unpaired surrogates become U+FFFD first. Ingest rejects such text before it gets here (<c>invalid-text</c>);
/// the other readers of chat text (session context lines, routing tags) keep the rest of the line.
/// </summary>
public static class TextNormalizer
{
    /// <summary>The normal form; most chat lines already are, and come back as they are, with nothing allocated.</summary>
    public static string Normalize(string text)
    {
        if (HasUnpairedSurrogate(text))
            text = ReplaceUnpairedSurrogates(text);
        return IsNormal(text) ? text : Rewrite(text);
    }

    /// <summary>The text with each unpaired surrogate replaced by U+FFFD (the UTF-8 encoder's replacement), paired ones kept.</summary>
    public static string ReplaceUnpairedSurrogates(string text) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));

    /// <summary>Whether <paramref name="s"/> has a surrogate without its pair: not valid UTF-16, and with no UTF-8 or NFC form.</summary>
    public static bool HasUnpairedSurrogate(string s)
    {
        var first = s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0)
            return false;
        for (var i = first; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]))
            {
                if (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]))
                    return true;
                i++;
            }
            else if (char.IsLowSurrogate(s[i]))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Builds the normal form of any text (what <see cref="Normalize"/> does when the text is not already normal).</summary>
    internal static string Rewrite(string text)
    {
        var nfc = text.Normalize(NormalizationForm.FormC).Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        var sb = new StringBuilder(nfc.Length);
        var pendingSpace = false;
        var newlines = 0;
        foreach (var ch in nfc)
        {
            if (ch == '\n')
            {
                newlines++;
                pendingSpace = false;
                continue;
            }
            if (char.IsWhiteSpace(ch))
            {
                pendingSpace = true;
                continue;
            }
            if (sb.Length > 0)
            {
                if (newlines > 0)
                    sb.Append(newlines > 1 ? "\n\n" : "\n");
                else if (pendingSpace)
                    sb.Append(' ');
            }
            newlines = 0;
            pendingSpace = false;
            sb.Append(ch);
        }
        return sb.ToString();
    }

    /// <summary>
    /// Whether <see cref="Normalize"/> would return the text unchanged: it is NFC, starts and ends with a visible
    /// character, and its blank runs are single spaces, or one or two line breaks with no space around them.
    /// </summary>
    internal static bool IsNormal(string text)
    {
        if (text.Length == 0 || char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1]))
            return false;
        for (var i = 1; i < text.Length - 1; i++)
        {
            var ch = text[i];
            if (ch == ' ')
            {
                if (char.IsWhiteSpace(text[i + 1]))
                    return false;
            }
            else if (ch == '\n')
            {
                var next = text[i + 1] == '\n' ? text[i + 2] : text[i + 1];
                if (char.IsWhiteSpace(next) || char.IsWhiteSpace(text[i - 1]))
                    return false;
                if (text[i + 1] == '\n')
                    i++;
            }
            else if (char.IsWhiteSpace(ch))
            {
                return false;
            }
        }
        return text.IsNormalized(NormalizationForm.FormC);
    }
}
