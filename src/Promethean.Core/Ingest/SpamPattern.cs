using System.Buffers;
using System.Text.RegularExpressions;

namespace Promethean.Core.Ingest;

/// <summary>
/// Spam family patterns (DESIGN 4): the normalized text with URLs, mentions, emoji, ids and numbers
/// masked, emoji dropped and case folded, so "backlog at 120 items" and "backlog at 345 items" share a pattern.
/// The family is <c>sha256(channel + "\n" + pattern)</c>.
/// </summary>
public static partial class SpamPattern
{
    public static string Of(string normalizedText)
    {
        // Each pass runs only when its trigger character is present: most chat lines need none.
        var s = normalizedText;
        if (s.Contains("http", StringComparison.OrdinalIgnoreCase))
            s = UrlRegex().Replace(s, "<url>");
        if (s.Contains('<', StringComparison.Ordinal))
            s = DiscordTokenRegex().Replace(s, m => m.Value.Contains(':', StringComparison.Ordinal) ? "" : "<at>");
        if (s.Contains('@', StringComparison.Ordinal))
            s = AtNameRegex().Replace(s, "<at>");
        if (s.Contains(':', StringComparison.Ordinal))
            s = ShortcodeEmojiRegex().Replace(s, "");
        var numbers = false;
        if (s.AsSpan().IndexOfAnyInRange('0', '9') >= 0)
        {
            // Both id patterns need a run of eight hex digits and long numbers a run of six digits:
            // a cheap scan skips the regex passes that cannot match.
            if (HasRun(s, IsAsciiHexDigit, 8))
            {
                if (s.Contains('-', StringComparison.Ordinal))
                    s = UuidRegex().Replace(s, "<id>");
                s = HexIdRegex().Replace(s, "<id>");
            }
            if (HasRun(s, char.IsDigit, 6))
                s = LongNumberRegex().Replace(s, "<id>");
            numbers = true;
        }
        return Fold(s, numbers);
    }

    /// <summary>
    /// The last pass, in one sweep and one string: numbers masked (when <paramref name="numbers"/>: every maximal
    /// <c>\d+(?:[.,:]\d+)*</c>, any Unicode decimal digit, becomes <c>&lt;n&gt;</c>), emoji dropped, blank runs
    /// made one space, case folded, the end trimmed.
    /// </summary>
    private static string Fold(string s, bool numbers)
    {
        // Masking turns one digit into three characters: the most the result can need.
        var rented = ArrayPool<char>.Shared.Rent(3 * s.Length + 1);
        try
        {
            var length = 0;
            var lastSpace = false;
            for (var i = 0; i < s.Length; i++)
            {
                var ch = s[i];
                if (numbers && char.IsDigit(ch))
                {
                    i = NumberEnd(s, i) - 1;
                    "<n>".CopyTo(rented.AsSpan(length));
                    length += 3;
                    lastSpace = false;
                    continue;
                }
                if (IsEmoji(s, i, out var width))
                {
                    i += width - 1;
                    continue;
                }
                if (char.IsWhiteSpace(ch))
                {
                    if (!lastSpace && length > 0)
                        rented[length++] = ' ';
                    lastSpace = true;
                    continue;
                }
                rented[length++] = char.ToLowerInvariant(ch);
                lastSpace = false;
            }
            if (length > 0 && rented[length - 1] == ' ')
                length--;
            return new string(rented, 0, length);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>Where the number that starts at <paramref name="start"/> ends: <c>\d+(?:[.,:]\d+)*</c>, any Unicode decimal digit.</summary>
    private static int NumberEnd(string s, int start)
    {
        var i = start;
        while (i < s.Length && char.IsDigit(s[i]))
            i++;
        while (i + 1 < s.Length && s[i] is '.' or ',' or ':' && char.IsDigit(s[i + 1]))
        {
            i++;
            while (i < s.Length && char.IsDigit(s[i]))
                i++;
        }
        return i;
    }

    public static string Family(string channel, string pattern) =>
        Sha256Hex.Of(channel + "\n" + pattern, 32);

    private static bool HasRun(string s, Func<char, bool> member, int length)
    {
        var run = 0;
        foreach (var ch in s)
        {
            run = member(ch) ? run + 1 : 0;
            if (run >= length)
                return true;
        }
        return false;
    }

    private static bool IsAsciiHexDigit(char ch) => char.IsAsciiHexDigit(ch);

    /// <summary>Pictographs, dingbats, variation selectors, zero-width joiners and skin tones count as emoji.</summary>
    private static bool IsEmoji(string s, int i, out int width)
    {
        width = 1;
        var ch = s[i];
        if (char.IsHighSurrogate(ch) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            width = 2;
            var cp = char.ConvertToUtf32(ch, s[i + 1]);
            return cp is >= 0x1F000 and <= 0x1FAFF;
        }
        return ch is >= '\u2600' and <= '\u27BF' or '\uFE0F' or '\u200D' or >= '\u2B00' and <= '\u2BFF';
    }

    [GeneratedRegex(@"https?://\S+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlRegex();

    [GeneratedRegex(@"<(?:@[!&]?\d+|#\d+|a?:\w+:\d+)>", RegexOptions.CultureInvariant)]
    private static partial Regex DiscordTokenRegex();

    [GeneratedRegex(@"(?<![\w<])@[\w.-]+", RegexOptions.CultureInvariant)]
    private static partial Regex AtNameRegex();

    [GeneratedRegex(@":[a-z0-9_+-]{2,32}:", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ShortcodeEmojiRegex();

    [GeneratedRegex(@"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UuidRegex();

    [GeneratedRegex(@"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HexIdRegex();

    [GeneratedRegex(@"\d{6,}", RegexOptions.CultureInvariant)]
    private static partial Regex LongNumberRegex();

}
