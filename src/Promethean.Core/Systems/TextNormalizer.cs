using System.Text;

namespace Promethean.Core.Systems;

/// <summary>Normalization of memory text (DESIGN 4): NFC, CRLF to LF, trimmed, runs of blank space collapsed.</summary>
public static class TextNormalizer
{
    public static string Normalize(string text)
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
}
