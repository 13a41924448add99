using Promethean.Core.Events;

namespace Promethean.Core.Ingest;

/// <summary>
/// What <c>memory.ingest</c> derives from one chat message alone, memoized on the message (events are immutable):
/// the reject reason (invalid text, empty) or the normalized text with its spam pattern and family, and, computed when
/// first needed, its fingerprints and its tags under a lexicon. Every part is a pure function of the message (and of
/// the lexicon its tags were computed with), so a runtime may compute them on another core ahead of the tick
/// (<see cref="Systems.MemoryIngestSystem.Warm"/>); the system computes whatever is missing. Two threads computing the
/// same part write equal values, and each part is published as one reference.
/// </summary>
internal sealed class MessageFacts
{
    private MessageFacts(string? reason, string text, string pattern, string family)
    {
        Reason = reason;
        Text = text;
        Pattern = pattern;
        Family = family;
    }

    public string? Reason { get; }

    public string Text { get; }

    public string Pattern { get; }

    public string Family { get; }

    /// <summary>Content hash, simhash and memory id, once computed.</summary>
    public MessagePrints? Prints { get; set; }

    /// <summary>Tags and keys with the lexicon they were computed under, once computed.</summary>
    public LexiconTags? Tags { get; set; }

    /// <summary>The message's facts, from its memo or computed now (<paramref name="family"/> maps channel and pattern to the family).</summary>
    public static MessageFacts Of(DiscordMessageNew m, Func<string, string, string> family)
    {
        if (m.Memo.Facts is { } known)
            return known;
        var facts = Compute(m, family);
        m.Memo.Facts = facts;
        return facts;
    }

    private static MessageFacts Compute(DiscordMessageNew m, Func<string, string, string> family)
    {
        if (Systems.MemoryIngestSystem.Normalized(m.Content, out var text) is { } reason)
            return new MessageFacts(reason, "", "", "");
        var pattern = SpamPattern.Of(text);
        return new MessageFacts(null, text, pattern, family(m.ChannelId, pattern));
    }

    /// <summary>The content hash, simhash and memory id of an acceptable message, from the memo or computed now.</summary>
    public MessagePrints PrintsOf(DiscordMessageNew m)
    {
        if (Prints is { } known)
            return known;
        var sourceKey = SourceKey(m);
        var prints = new MessagePrints(Sha256Hex.Of(Text), SimHash.Compute(Text),
            Systems.MemoryIngestSystem.MemoryId(Systems.MemoryIngestSystem.ChatKind, sourceKey, Text));
        Prints = prints;
        return prints;
    }

    /// <summary>Tags and keys under <paramref name="lexicon"/>, from the memo when it was computed under the same lexicon instance.</summary>
    public TagSet TagsOf(DiscordMessageNew m, IReadOnlyDictionary<string, System.Collections.Immutable.ImmutableArray<string>> lexicon)
    {
        if (Tags is { } known && ReferenceEquals(known.Lexicon, lexicon))
            return known.Tags;
        var tags = Tagger.Tag(Text, new TagContext("discord", m.ChannelId, m.AuthorId, m.AuthorIsBot), lexicon);
        Tags = new LexiconTags(lexicon, tags);
        return tags;
    }

    public static string SourceKey(DiscordMessageNew m) => "discord:" + m.MessageId;
}

/// <summary>A message's content hash (SHA-256 of the normalized text), simhash (none for too few words) and memory id.</summary>
internal sealed record MessagePrints(string ContentHash, ulong? SimHash, string MemoryId);

/// <summary>Tags computed under one lexicon instance.</summary>
internal sealed record LexiconTags(object Lexicon, TagSet Tags);
