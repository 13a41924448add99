using System.Collections.Immutable;
using System.Globalization;
using Promethean.Core.Effects;

namespace Promethean.Core.Compaction;

/// <summary>One source message as the summary prompt lists it.</summary>
public sealed record SummarySource(string Time, string Author, string Text);

/// <summary>
/// The <c>memory/summary</c> contract of <c>gc/commit</c>: the prompt that asks a model to fold a group of
/// memories into one that keeps their facts, and the parser of its source lines (the builtin provider's
/// responder reads them back, so the format lives in one place).
/// </summary>
public static class SummaryPrompt
{
    public const string Contract = "memory/summary";

    public const string System =
        "You compact the long-term memory of an agent. Rewrite the messages below as one short memory that keeps "
        + "every fact: who said what, names, numbers, dates, decisions, errors, links and open questions. Drop "
        + "greetings and chatter. Write plain sentences, no preamble, no headings.";

    private const string LineStart = "- [";

    public static ImmutableArray<ChatMessage> Build(CompactionGroup group, IReadOnlyList<Memory> sources, int maxChars)
    {
        var share = Math.Max(200, maxChars / Math.Max(1, sources.Count));
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture,
                $"Channel {group.Channel}, {Day(group.BucketStartMs)} UTC, {sources.Count} messages, cluster {group.Cluster}:"),
        };
        foreach (var m in sources)
        {
            var author = m.Source.GetValueOrDefault("authorName") is { Length: > 0 } name ? name : m.Source.GetValueOrDefault("author") ?? "?";
            var text = m.Text.ReplaceLineEndings(" ");
            if (text.Length > share)
                text = text[..share] + "…";
            lines.Add(LineStart + Time(m.CreatedMs) + "] " + author.Replace(':', ' ') + ": " + text);
        }
        return [new ChatMessage("system", System), new ChatMessage("user", string.Join('\n', lines))];
    }

    /// <summary>The source lines of a summary prompt's user message, in order; other lines are skipped.</summary>
    public static IReadOnlyList<SummarySource> ParseSources(string userMessage)
    {
        var list = new List<SummarySource>();
        foreach (var line in userMessage.Split('\n'))
        {
            if (!line.StartsWith(LineStart, StringComparison.Ordinal))
                continue;
            var close = line.IndexOf("] ", StringComparison.Ordinal);
            if (close < 0)
                continue;
            var rest = line[(close + 2)..];
            var colon = rest.IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0)
                continue;
            list.Add(new SummarySource(line[LineStart.Length..close], rest[..colon], rest[(colon + 2)..]));
        }
        return list;
    }

    /// <summary>The header line of the user message (channel, day, count, cluster).</summary>
    public static string Header(string userMessage) => userMessage.Split('\n', 2)[0];

    private static string Day(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
