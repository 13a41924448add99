using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Promethean.Core.Compaction;
using Promethean.Core.Effects;
using Promethean.Core.Sentinels;

namespace Promethean.Llm.Builtin;

/// <summary>
/// The builtin answer for the <c>memory/summary</c> contract of <c>gc/commit</c>: an extractive summary that keeps
/// the facts. Each source sentence scores by the entities it names (numbers, versions, capitalized names, URLs,
/// dotted or underscored identifiers, code spans) and by the content words it shares with other messages of
/// the group; the best sentences within <see cref="MaxChars"/> are kept in their original order with their
/// authors, followed by one line of context (channel, day, time span) and the most frequent entities.
/// Deterministic: same prompt, same summary.
/// </summary>
public sealed partial class MemorySummaryResponder : IBuiltinResponder
{
    public const int MaxChars = 1500;
    public const int MaxEntities = 12;

    public string Contract => SummaryPrompt.Contract;

    public BuiltinReply Respond(LlmChat chat)
    {
        var user = chat.Messages.LastOrDefault(m => m.Role == "user")?.Content ?? "";
        var sources = SummaryPrompt.ParseSources(user);
        var header = SummaryPrompt.Header(user).TrimEnd(':');
        if (sources.Count == 0)
            return new BuiltinReply(header.Length > 0 ? header + "." : "Nothing to summarize.");

        var sentences = new List<Candidate>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < sources.Count; i++)
        {
            foreach (var sentence in Sentences.Split(sources[i].Text))
            {
                if (seen.Add(sentence.ToLowerInvariant()))
                    sentences.Add(new Candidate(i, sentences.Count, sentence, Entities(sentence), ContentWords(sentence)));
            }
        }
        // A word shared by several messages is what the conversation was about.
        var spread = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var words in sentences.GroupBy(c => c.Source).Select(g => g.SelectMany(c => c.Words).Distinct(StringComparer.Ordinal)))
        {
            foreach (var w in words)
                spread[w] = spread.GetValueOrDefault(w) + 1;
        }

        var chosen = new SortedSet<int>();
        var used = 0;
        var ranked = sentences
            .Select(c => (Candidate: c, Score: Score(c, spread)))
            .Where(x => x.Score > 0)
            .OrderByDescending(x => x.Score).ThenBy(x => x.Candidate.Position);
        foreach (var (c, _) in ranked)
        {
            var cost = c.Text.Length + sources[c.Source].Author.Length + 3;
            if (used + cost > MaxChars && chosen.Count > 0)
                continue;
            chosen.Add(c.Position);
            used += cost;
        }

        var text = new StringBuilder();
        var lastSource = -1;
        foreach (var position in chosen)
        {
            var c = sentences[position];
            if (c.Source != lastSource)
                text.Append(text.Length > 0 ? "\n" : "").Append(sources[c.Source].Author).Append(": ").Append(c.Text);
            else
                text.Append(' ').Append(c.Text);
            lastSource = c.Source;
        }
        text.Append(text.Length > 0 ? "\n" : "").Append('(').Append(header)
            .Append(string.Create(CultureInfo.InvariantCulture, $", {Clock(sources[0].Time)} to {Clock(sources[^1].Time)}."));
        // Short bare numbers mean little out of their sentence; the sentences keep them.
        var entities = sentences.SelectMany(c => c.Entities)
            .Where(e => !(e.Length < 4 && e.All(char.IsDigit)))
            .GroupBy(e => e, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(MaxEntities).Select(g => g.Key).ToList();
        if (entities.Count > 0)
            text.Append(" Mentioned: ").Append(string.Join(", ", entities)).Append('.');
        return new BuiltinReply(text.Append(')').ToString());
    }

    /// <summary>The time of day of a source line's <c>yyyy-MM-dd HH:mm</c> stamp.</summary>
    private static string Clock(string time) => time.Length > 11 ? time[11..] : time;

    private sealed record Candidate(int Source, int Position, string Text, IReadOnlyList<string> Entities, IReadOnlyList<string> Words);

    private static double Score(Candidate c, Dictionary<string, int> spread)
    {
        var shared = c.Words.Distinct(StringComparer.Ordinal).Count(w => spread.GetValueOrDefault(w) > 1);
        if (c.Entities.Count == 0 && c.Words.Count < 3)
            return 0;
        return 2.0 * c.Entities.Count + shared + 0.1 * Math.Min(c.Words.Count, 10);
    }

    /// <summary>Names, numbers, identifiers and links in a sentence, in order of appearance, without repeats.</summary>
    public static IReadOnlyList<string> Entities(string sentence)
    {
        var list = new List<string>();
        var first = true;
        foreach (Match m in Token().Matches(sentence))
        {
            var token = m.Value.TrimEnd('.', ',', ';', ':', '!', '?', ')', '\'', '"');
            var isEntity = token.Length > 0 && (
                token.StartsWith('`') || token.Contains("://", StringComparison.Ordinal) || token.Any(char.IsDigit)
                || (token.Length > 2 && token.Trim('_', '.', ':', '/', '#').Any(ch => ch is '.' or '_' or ':' or '/') && token.Any(char.IsLetter))
                || (!first && char.IsUpper(token[0]) && token.Length > 1)
                || (token.Skip(1).Any(char.IsUpper) && token.Any(char.IsLower)));
            first = false;
            if (isEntity && !list.Contains(token, StringComparer.Ordinal))
                list.Add(token);
        }
        return list;
    }

    private static List<string> ContentWords(string sentence) =>
        [.. Core.Ingest.SimHash.Words(sentence).Where(w => w.Length >= 3 && !SummaryResponder.StopWords.Contains(w) && !w.All(char.IsDigit))];

    [GeneratedRegex(@"`[^`]+`|\S+", RegexOptions.CultureInvariant)]
    private static partial Regex Token();
}
