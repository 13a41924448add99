using System.Text;

namespace Promethean.Discord;

/// <summary>
/// Splits text into Discord messages of at most <see cref="MaxCodePoints"/> code points. Cuts prefer a
/// newline, then a space, in the second half of a window; a surrogate pair is never split. The parts
/// concatenated give back the input exactly.
/// </summary>
public static class MessageSplitter
{
    public const int MaxCodePoints = 2000;

    public static IReadOnlyList<string> Split(string text, int maxCodePoints = MaxCodePoints)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCodePoints, 2);
        var parts = new List<string>();
        var start = 0;
        while (start < text.Length)
        {
            // Walk up to maxCodePoints code points, remembering the last newline and space after half of them.
            var end = start;
            var count = 0;
            var lastNewline = -1;
            var lastSpace = -1;
            while (end < text.Length && count < maxCodePoints)
            {
                var width = char.IsHighSurrogate(text[end]) && end + 1 < text.Length && char.IsLowSurrogate(text[end + 1]) ? 2 : 1;
                end += width;
                count++;
                if (count > maxCodePoints / 2)
                {
                    if (text[end - 1] == '\n')
                        lastNewline = end;
                    else if (text[end - 1] == ' ')
                        lastSpace = end;
                }
            }
            var cut = end == text.Length ? end : lastNewline > 0 ? lastNewline : lastSpace > 0 ? lastSpace : end;
            parts.Add(text[start..cut]);
            start = cut;
        }
        return parts;
    }

    /// <summary>Code points in <paramref name="text"/>; a lone surrogate counts as one.</summary>
    public static int CodePoints(string text)
    {
        var n = 0;
        for (var i = 0; i < text.Length; i++, n++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
        }
        return n;
    }

    internal static bool IsBlank(string part) => part.EnumerateRunes().All(Rune.IsWhiteSpace);
}
