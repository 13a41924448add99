using System.Collections.Immutable;
using System.Text;
using Promethean.Core.Components;
using Promethean.Core.Effects;

namespace Promethean.Core.Context;

/// <summary>
/// seed 7.2 build-context: lays a session's prompt out as <c>system, [related..., persistent..., recent...]</c>
/// inside the model's window, counted with the real tokenizer (DESIGN 5). Each section first gets its share
/// of the window; room a section leaves unused goes to more related memories, then to older recent lines.
/// A memory appears once: persistent wins over recent, recent over related (by memory id, then content hash).
/// When the prompt is too long, related memories go first (lowest score first), then recent lines (oldest
/// first). Pinned memories are never cut silently: one that cannot fit is named in
/// <see cref="AssembledContext.DroppedPersistent"/>. The prompt plus the answer never exceed the window.
/// </summary>
public static class ContextAssembler
{
    public const string RelatedHeader = "Related memories, most relevant first:";
    public const string PersistentHeader = "Pinned memories, always kept:";
    public const string TruncationMark = " […]";

    public static AssembledContext Build(ContextRequest request, TokenCounter tokens)
    {
        var window = Math.Max(1, request.WindowTokens);
        var shares = request.Shares;
        var safety = (int)Math.Ceiling(window * shares.Safety);
        var reserve = Math.Clamp((int)Math.Floor(window * shares.Output), 1, Math.Max(1, request.MaxOutputTokens));
        var limit = window - safety - reserve - request.ToolTokens - TokenCounter.ReplyPriming;

        var system = request.SystemPrompt;
        var systemTruncated = false;
        if (Message(tokens, system) > Math.Max(0, limit / 2))
        {
            system = Truncate(tokens, system, Math.Max(0, limit / 2 - TokenCounter.PerMessageOverhead));
            systemTruncated = true;
        }
        var used = Message(tokens, system);

        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        var seenHashes = new HashSet<string>(StringComparer.Ordinal);

        var persistent = new List<ContextItem>();
        var droppedPersistent = ImmutableArray.CreateBuilder<string>();
        var persistentCost = 0;
        foreach (var item in request.Persistent)
        {
            if (!seenIds.Add(item.MemoryId) || !seenHashes.Add(item.ContentHash))
                continue;
            var cost = Line(tokens, item.Line) + (persistent.Count == 0 ? Header(tokens, PersistentHeader) : 0);
            if (used + cost > limit)
            {
                droppedPersistent.Add(item.MemoryId);
                continue;
            }
            persistent.Add(item);
            persistentCost += cost;
            used += cost;
        }

        var deduplicated = 0;
        var recentCandidates = new List<(RecentEntry Entry, int Cost)>();
        for (var i = request.Recent.Count - 1; i >= 0; i--)
        {
            var entry = request.Recent[i];
            if ((entry.MemoryId is { } id && seenIds.Contains(id)) || seenHashes.Contains(entry.ContentHash))
            {
                deduplicated++;
                continue;
            }
            recentCandidates.Add((entry, Message(tokens, RecentContent(entry))));
        }
        var recentCap = (int)Math.Floor(window * shares.Recent);
        var recentTaken = 0;
        var recentCost = 0;
        while (recentTaken < recentCandidates.Count && recentCost + recentCandidates[recentTaken].Cost <= recentCap
            && used + recentCandidates[recentTaken].Cost <= limit)
        {
            recentCost += recentCandidates[recentTaken].Cost;
            used += recentCandidates[recentTaken].Cost;
            recentTaken++;
        }
        foreach (var (entry, _) in recentCandidates.Take(recentTaken))
        {
            if (entry.MemoryId is { } id)
                seenIds.Add(id);
            seenHashes.Add(entry.ContentHash);
        }

        var relatedCandidates = new List<(ContextItem Item, int Cost)>();
        foreach (var item in request.Related)
        {
            if (seenIds.Contains(item.MemoryId) || seenHashes.Contains(item.ContentHash))
            {
                deduplicated++;
                continue;
            }
            seenIds.Add(item.MemoryId);
            seenHashes.Add(item.ContentHash);
            relatedCandidates.Add((item, Line(tokens, item.Line)));
        }
        var relatedCap = (int)Math.Floor(window * shares.Related);
        var relatedHeader = Header(tokens, RelatedHeader);
        var relatedTaken = 0;
        var relatedCost = 0;
        int NextRelatedCost() => relatedCandidates[relatedTaken].Cost + (relatedTaken == 0 ? relatedHeader : 0);
        while (relatedTaken < relatedCandidates.Count && relatedCost + NextRelatedCost() <= relatedCap && used + NextRelatedCost() <= limit)
        {
            var cost = NextRelatedCost();
            relatedCost += cost;
            used += cost;
            relatedTaken++;
        }

        // Room the sections left unused: more related memories first, then older recent lines.
        while (relatedTaken < relatedCandidates.Count && used + NextRelatedCost() <= limit)
        {
            var cost = NextRelatedCost();
            relatedCost += cost;
            used += cost;
            relatedTaken++;
        }
        while (recentTaken < recentCandidates.Count && used + recentCandidates[recentTaken].Cost <= limit)
        {
            recentCost += recentCandidates[recentTaken].Cost;
            used += recentCandidates[recentTaken].Cost;
            recentTaken++;
        }

        // Sums of per-line counts can differ a little from the count of the joined text; trim until the exact count fits.
        var budget = window - safety - reserve;
        while (true)
        {
            var messages = Messages(system, relatedCandidates.Take(relatedTaken).Select(c => c.Item), persistent,
                recentCandidates.Take(recentTaken).Select(c => c.Entry).Reverse());
            var prompt = tokens.CountMessages(messages) + request.ToolTokens;
            if (prompt <= budget || (relatedTaken == 0 && recentTaken == 0 && persistent.Count == 0))
            {
                var sectionTokens = new ContextTokens(
                    window,
                    tokens.Count(system),
                    relatedTaken == 0 ? 0 : tokens.Count(Block(RelatedHeader, relatedCandidates.Take(relatedTaken).Select(c => c.Item))),
                    persistent.Count == 0 ? 0 : tokens.Count(Block(PersistentHeader, persistent)),
                    recentCandidates.Take(recentTaken).Sum(c => tokens.Count(RecentContent(c.Entry))),
                    request.ToolTokens,
                    prompt,
                    Math.Max(0, Math.Min(request.MaxOutputTokens, window - safety - prompt)));
                return new AssembledContext(
                    messages,
                    sectionTokens.Output,
                    sectionTokens,
                    [.. relatedCandidates.Take(relatedTaken).Select(c => c.Item.MemoryId)],
                    droppedPersistent.ToImmutable(),
                    relatedCandidates.Count - relatedTaken,
                    recentCandidates.Count - recentTaken,
                    deduplicated,
                    systemTruncated);
            }
            if (relatedTaken > 0)
            {
                relatedTaken--;
            }
            else if (recentTaken > 0)
            {
                recentTaken--;
            }
            else
            {
                droppedPersistent.Add(persistent[^1].MemoryId);
                persistent.RemoveAt(persistent.Count - 1);
            }
        }
    }

    /// <summary>How a recent line reads to the model: the speaker's name before other people's words.</summary>
    public static string RecentContent(RecentEntry entry) =>
        entry.Role == "user" && entry.Author.Length > 0 ? entry.Author + ": " + entry.Text : entry.Text;

    private static ImmutableArray<ChatMessage> Messages(string system, IEnumerable<ContextItem> related, List<ContextItem> persistent, IEnumerable<RecentEntry> recent)
    {
        var messages = ImmutableArray.CreateBuilder<ChatMessage>();
        messages.Add(new ChatMessage("system", system));
        var relatedList = related.ToList();
        if (relatedList.Count > 0)
            messages.Add(new ChatMessage("system", Block(RelatedHeader, relatedList)));
        if (persistent.Count > 0)
            messages.Add(new ChatMessage("system", Block(PersistentHeader, persistent)));
        foreach (var entry in recent)
            messages.Add(new ChatMessage(entry.Role == "assistant" ? "assistant" : "user", RecentContent(entry)));
        return messages.ToImmutable();
    }

    private static string Block(string header, IEnumerable<ContextItem> items)
    {
        var text = new StringBuilder(header);
        foreach (var item in items)
            text.Append('\n').Append("- ").Append(item.Line);
        return text.ToString();
    }

    private static int Message(TokenCounter tokens, string content) => TokenCounter.PerMessageOverhead + tokens.Count(content);

    private static int Header(TokenCounter tokens, string header) => TokenCounter.PerMessageOverhead + tokens.Count(header);

    private static int Line(TokenCounter tokens, string line) => tokens.Count("\n- " + line);

    private static string Truncate(TokenCounter tokens, string text, int maxTokens)
    {
        if (maxTokens <= 0)
            return "";
        var keep = text.Length;
        while (keep > 0 && tokens.Count(text[..keep] + TruncationMark) > maxTokens)
            keep = keep * 3 / 4;
        if (keep > 0 && char.IsHighSurrogate(text[keep - 1]))
            keep--;
        return keep == 0 ? "" : text[..keep] + TruncationMark;
    }
}
