using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using Promethean.Core.Ingest;

namespace Promethean.Core.Tests;

public sealed class SpamPatternTests
{
    /// <summary>Characters that exercise every masking pass: ASCII and other decimal digits, hex letters, separators, ids, mentions, emoji.</summary>
    private static readonly Gen<string> Texts = Gen.OneOf(
            Gen.Char["0123456789"], Gen.Char["abcdefABCDEFxyz"], Gen.Char[".,:-_ <>@#/"],
            Gen.Const('\u0663'), Gen.Const('\uFF15'), Gen.Const('\u2705'), Gen.Const('\u212A'))
        .Array[0, 60].Select(chars => new string(chars));

    [Fact]
    public void Of_AnyText_EqualsTheRegexOnlyMasking()
    {
        Texts.Sample(text => SpamPattern.Of(text) == RegexSpamPattern.Of(text), iter: 3000);
    }

    [Theory]
    [InlineData("v1.2.3 at 10:45, 3,5 and 7. done", "v<n> at <n>, <n> and <n>. done")]
    [InlineData("id 12345678-1234-1234-1234-123456789abc ok", "id <id> ok")]
    [InlineData("hash deadbeef12 and 1234567", "hash <id> and <id>")]
    [InlineData("\u0663\u0664 items", "<n> items")]
    public void Of_Numbers_AreMasked(string text, string pattern) => SpamPattern.Of(text + " 1").ShouldBe(pattern + " <n>");
}

/// <summary>SpamPattern as it was before the hand-written number pass, every pass a regex: the reference the fast one must equal.</summary>
internal static partial class RegexSpamPattern
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
        if (s.AsSpan().IndexOfAnyInRange('0', '9') >= 0)
        {
            if (s.Contains('-', StringComparison.Ordinal))
                s = UuidRegex().Replace(s, "<id>");
            s = HexIdRegex().Replace(s, "<id>");
            s = LongNumberRegex().Replace(s, "<id>");
            s = NumberRegex().Replace(s, "<n>");
        }
        var sb = new StringBuilder(s.Length);
        var lastSpace = false;
        for (var i = 0; i < s.Length; i++)
        {
            var ch = s[i];
            if (IsEmoji(s, i, out var width))
            {
                i += width - 1;
                continue;
            }
            if (char.IsWhiteSpace(ch))
            {
                if (!lastSpace && sb.Length > 0)
                    sb.Append(' ');
                lastSpace = true;
                continue;
            }
            sb.Append(char.ToLowerInvariant(ch));
            lastSpace = false;
        }
        return sb.ToString().TrimEnd();
    }

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

    [GeneratedRegex(@"\d+(?:[.,:]\d+)*", RegexOptions.CultureInvariant)]
    private static partial Regex NumberRegex();
}
