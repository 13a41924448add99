using System.Globalization;
using System.Text;
using Promethean.Core.Effects;

namespace Promethean.Llm.Builtin;

/// <summary>
/// The default builtin answer for sessions: a templated, deterministic summary of the context it was given
/// (how many messages of each role, the latest user message, the most frequent terms, earlier user lines).
/// Useful offline and in tests; it never calls tools.
/// </summary>
public sealed class SummaryResponder : IBuiltinResponder
{
    public const string ContractId = "session/summary";

    internal static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "the", "and", "for", "are", "but", "not", "you", "all", "any", "can", "had", "her", "was", "one", "our", "out",
        "has", "have", "his", "how", "its", "may", "new", "now", "old", "see", "two", "who", "did", "get", "let",
        "say", "she", "too", "use", "that", "with", "this", "from", "they", "will", "would", "there", "their", "what",
        "about", "which", "when", "make", "like", "time", "just", "him", "know", "take", "into", "your", "some",
        "could", "them", "than", "then", "only", "come", "its", "also", "over", "think", "back", "after", "work",
        "first", "well", "even", "want", "because", "these", "give", "most", "been", "were", "said", "does", "is",
    };

    public string Contract => ContractId;

    public BuiltinReply Respond(LlmChat chat)
    {
        var users = chat.Messages.Where(m => m.Role == "user").ToList();
        var roles = chat.Messages.GroupBy(m => m.Role, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count()} {g.Key}"));
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Summary of {chat.Messages.Length} message(s) ({string.Join(", ", roles)}).");
        if (users.Count > 0)
            text.Append("\nLatest: \"").Append(FirstLine(users[^1].Content, 200)).Append('"');
        var terms = TopTerms(chat.Messages.Where(m => m.Role != "system").Select(m => m.Content), 5);
        if (terms.Count > 0)
            text.Append("\nTopics: ").Append(string.Join(", ", terms));
        foreach (var earlier in users.SkipLast(1).TakeLast(3))
            text.Append("\n- ").Append(FirstLine(earlier.Content, 120));
        return new BuiltinReply(text.ToString());
    }

    private static string FirstLine(string content, int max)
    {
        var line = content.Trim().Split('\n', 2)[0].Trim();
        return line.Length <= max ? line : line[..max] + "…";
    }

    private static List<string> TopTerms(IEnumerable<string> texts, int count)
    {
        var freq = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            var word = new StringBuilder();
            foreach (var ch in text.Append(' '))
            {
                if (char.IsLetterOrDigit(ch))
                {
                    word.Append(char.ToLowerInvariant(ch));
                    continue;
                }
                if (word.Length >= 3 && !StopWords.Contains(word.ToString()) && !word.ToString().All(char.IsDigit))
                    freq[word.ToString()] = freq.GetValueOrDefault(word.ToString()) + 1;
                word.Clear();
            }
        }
        return [.. freq.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(count).Select(p => p.Key)];
    }
}
