using System.Collections.Concurrent;
using Microsoft.ML.Tokenizers;
using Promethean.Core.Effects;

namespace Promethean.Core.Context;

/// <summary>
/// Counts tokens with a real BPE tokenizer (o200k or cl100k) for context budgets and usage estimates. For
/// models that are not OpenAI's the count approximates the server's own tokenizer; budgets keep a safety share.
/// </summary>
public sealed class TokenCounter
{
    public const string O200k = "o200k";
    public const string Cl100k = "cl100k";

    /// <summary>Tokens OpenAI's chat format adds per message (role and separators) and per reply priming.</summary>
    public const int PerMessageOverhead = 4;
    public const int ReplyPriming = 3;

    private static readonly ConcurrentDictionary<string, TokenCounter> Cache = new(StringComparer.Ordinal);
    private readonly Tokenizer _tokenizer;

    private TokenCounter(string encoding)
    {
        Encoding = encoding;
        _tokenizer = TiktokenTokenizer.CreateForEncoding(encoding == O200k ? "o200k_base" : "cl100k_base");
    }

    /// <summary><c>o200k</c> or <c>cl100k</c>.</summary>
    public string Encoding { get; }

    /// <summary>The counter for an encoding name: <c>o200k</c>, <c>cl100k</c>, or <c>auto</c> to pick by <paramref name="model"/>.</summary>
    public static TokenCounter For(string model, string tokenizer = "auto")
    {
        var encoding = tokenizer.Trim().ToLowerInvariant() switch
        {
            "" or "auto" => EncodingFor(model),
            "o200k" or "o200k_base" => O200k,
            "cl100k" or "cl100k_base" => Cl100k,
            _ => throw new ArgumentException($"unknown tokenizer '{tokenizer}': use auto, o200k or cl100k", nameof(tokenizer)),
        };
        return Cache.GetOrAdd(encoding, e => new TokenCounter(e));
    }

    /// <summary>
    /// o200k for the GPT-4o generation and later (gpt-4o, gpt-4.1, gpt-5, o-series, gpt-oss) and for models that
    /// are not OpenAI's; cl100k for gpt-4, gpt-3.5 and the text-embedding models.
    /// </summary>
    public static string EncodingFor(string model)
    {
        var m = model.Trim().ToLowerInvariant();
        var slash = m.LastIndexOf('/');
        if (slash >= 0)
            m = m[(slash + 1)..];
        if (m.StartsWith("gpt-4o", StringComparison.Ordinal) || m.StartsWith("gpt-4.", StringComparison.Ordinal))
            return O200k;
        if (m.StartsWith("gpt-4", StringComparison.Ordinal) || m.StartsWith("gpt-3.5", StringComparison.Ordinal)
            || m.StartsWith("text-embedding-", StringComparison.Ordinal))
            return Cl100k;
        return O200k;
    }

    /// <summary>Most texts whose counts are remembered; past it the memo starts over.</summary>
    public const int MemoEntries = 4_096;

    /// <summary>Longest text whose count is remembered (a recent line or a memory is cut to 2,000 characters).</summary>
    public const int MemoMaxChars = 16_384;

    // Counts of texts seen before, by content: a turn counts its system prompt, pins, tool specs and a recent ring
    // that moved by one line since the last turn, each two or three times (sections, then the whole prompt). A
    // count is a pure function of the text, so the memo changes no result, only how often the BPE runs.
    private readonly ConcurrentDictionary<string, int> _memo = new(StringComparer.Ordinal);

    public int Count(string text)
    {
        if (string.IsNullOrEmpty(text))
            return 0;
        if (text.Length > MemoMaxChars)
            return _tokenizer.CountTokens(text);
        if (_memo.TryGetValue(text, out var count))
            return count;
        count = _tokenizer.CountTokens(text);
        if (_memo.Count >= MemoEntries)
            _memo.Clear();
        _memo.TryAdd(text, count);
        return count;
    }

    /// <summary>Prompt tokens of a chat request as OpenAI counts them: content, names, tool calls and per-message overhead.</summary>
    public int CountMessages(IEnumerable<ChatMessage> messages)
    {
        var total = ReplyPriming;
        foreach (var m in messages)
        {
            total += PerMessageOverhead + Count(m.Content);
            if (m.Name is not null)
                total += Count(m.Name);
            if (m.ToolCalls is { } calls)
            {
                foreach (var c in calls)
                    total += Count(c.Name) + Count(c.Arguments);
            }
        }
        return total;
    }

    /// <summary>Tokens the tool definitions add to a prompt (name, description and schema text).</summary>
    public int CountTools(IEnumerable<ToolSpec> tools) =>
        tools.Sum(t => Count(t.Name) + Count(t.Description) + Count(t.ParametersJsonSchema));
}
