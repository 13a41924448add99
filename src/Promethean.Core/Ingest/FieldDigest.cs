using System.Globalization;

namespace Promethean.Core.Ingest;

/// <summary>
/// The eidolon field digest (DESIGN 4): a quantized, time-bucketed summary of where and when a memory
/// sits (channel, session, focus, hour bucket, top tags), prefixed to its text for the eidolon
/// embedding so that memories from the same place and time land near each other.
/// </summary>
public static class FieldDigest
{
    public const int TopTags = 4;

    public static string Of(Memory memory)
    {
        var parts = new List<string>();
        if (memory.Source.TryGetValue("channel", out var channel))
            parts.Add("channel " + channel);
        if (memory.Source.TryGetValue("session", out var session))
            parts.Add("session " + session);
        if (memory.Source.TryGetValue("focus", out var focus))
            parts.Add("focus " + focus);
        if (memory.Source.TryGetValue("path", out var path))
            parts.Add("dir " + (path.LastIndexOf('/') is var i and > 0 ? path[..i] : "."));
        parts.Add(DateTimeOffset.FromUnixTimeMilliseconds(memory.CreatedMs - memory.CreatedMs % 3_600_000)
            .ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture));
        var tags = memory.Tags.Where(t => !t.Contains(':', StringComparison.Ordinal)).Take(TopTags).ToList();
        if (tags.Count > 0)
            parts.Add("tags " + string.Join(", ", tags));
        return "[" + string.Join(" | ", parts) + "]";
    }

    public static string EidolonText(Memory memory, int maxChars) => Of(memory) + " " + Cut(memory.Text, maxChars);

    public static string Cut(string text, int maxChars)
    {
        if (text.Length <= maxChars)
            return text;
        var end = maxChars;
        if (char.IsHighSurrogate(text[end - 1]))
            end--;
        return text[..end];
    }
}
