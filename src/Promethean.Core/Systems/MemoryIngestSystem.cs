using System.Collections.Immutable;
using System.Globalization;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Ingest;

namespace Promethean.Core.Systems;

/// <summary>
/// seed sys.memory.ingest (section 8, DESIGN 4): turns inbound Discord messages and files under watched
/// roots into normalized, tagged memories stored through <c>mem/put</c>. Files are read through an
/// <c>fs/read</c> effect first, so the text itself arrives as an event. Chat messages are deduped by
/// source id, by channel-scoped content hash and by SimHash within a window, and repeated patterns
/// fold into one spam aggregate per family and bucket. Rejections are counted by reason.
/// Memories live in the memory store; the ECS mirror (<see cref="World.Memories"/>) is kept for the
/// few memories a system is actively working on, so the world does not grow with history.
/// </summary>
public static class MemoryIngestSystem
{
    public const string Purpose = "memory.ingest";
    public const string MarkdownExtension = ".md";
    public const string SpamAggregateKind = "spam.aggregate";
    public const string ChatKind = "discord.message";

    /// <summary>Each rejection bumps the debug counter <c>ingest.rejected.&lt;reason&gt;</c>.</summary>
    public const string RejectedCounterPrefix = "ingest.rejected.";

    /// <summary>The rejection counters by reason, in counter order.</summary>
    public static IEnumerable<(string Reason, string Counter, long Count)> Rejections(DebugCounters counters) =>
        counters.Values
            .Where(kv => kv.Key.StartsWith(RejectedCounterPrefix, StringComparison.Ordinal))
            .Select(kv => (kv.Key[RejectedCounterPrefix.Length..], kv.Key, kv.Value));

    /// <summary>Reject reasons, used as counter suffixes <c>ingest.rejected.&lt;reason&gt;</c>.</summary>
    public static class Reasons
    {
        public const string SourceId = "source-id";
        public const string ContentHash = "content-hash";
        public const string NearDuplicate = "near-duplicate";
        public const string SpamFamily = "spam-family";
        public const string Empty = "empty";
        public const string TooLong = "too-long";
        public const string InvalidText = "invalid-text";
    }

    public static World Update(World world, IStoreReader stores)
    {
        var run = new Run(world, stores);
        run.FileTranscripts();
        run.Prefetch();
        for (var i = 0; i < world.EventsIn.Length; i++)
            run.Handle(world.EventsIn[i], i);
        return run.Finish();
    }

    /// <summary>
    /// Computes what ingest derives from each chat message alone (normalized text, spam pattern and family, content
    /// hash, simhash, memory id, tags under <paramref name="settings"/>' lexicon) and memoizes it on the message, where
    /// the system finds it instead of computing it again. It reads nothing but its arguments and changes no value, so
    /// a runtime may run it on another core ahead of the tick that ingests <paramref name="events"/>.
    /// </summary>
    public static void Warm(IEnumerable<Event> events, MemorySettings settings)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var e in events)
        {
            if (ChatOf(e) is not { } m)
                continue;
            var facts = MessageFacts.Of(m, SpamPattern.Family);
            if (facts.Reason is null && facts.Text.Length <= settings.MaxTextChars)
            {
                facts.PrintsOf(m);
                facts.TagsOf(m, settings.Lexicon);
            }
        }
    }

    /// <summary>The chat message an event brings to ingest: a live one, or one imported from an export.</summary>
    public static DiscordMessageNew? ChatOf(Event e) => e switch
    {
        DiscordMessageNew m => m,
        DiscordMessageImported i => i.Message,
        _ => null,
    };

    public static string FileSourceKey(string path, string contentHash) => $"file:{path}#{contentHash}";

    public static string AggregateId(string family, long bucket) =>
        Sha256Hex.Of(SpamAggregateKind + "\n" + family + "\n" + bucket.ToString(CultureInfo.InvariantCulture), 32);

    /// <summary>
    /// One tick of ingest; its local state makes later events of the tick see earlier ones. The store
    /// does not change during a tick, so everything ingest asks of it is read up front in a few batch
    /// queries (<see cref="Prefetch"/>) instead of several queries per message.
    /// </summary>
    private sealed class Run(World world, IStoreReader stores)
    {
        private readonly MemorySettings _cfg = world.MemoryConfig;
        private readonly long _timeMs = world.TimeMs;
        private readonly List<Effect> _effects = [];
        private readonly List<Event> _events = [];
        private readonly HashSet<string> _sources = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Aggregate> _aggregates = new(StringComparer.Ordinal);
        private readonly List<string> _aggregateOrder = [];
        private readonly SortedDictionary<string, long> _counts = new(StringComparer.Ordinal);
        private readonly Dictionary<(string Channel, string Pattern), string> _families = [];
        private readonly Dictionary<(string Family, long Bucket), string> _aggregateIds = [];
        private Func<string, string, string>? _familyOf;
        private Chat?[] _chats = [];
        private IReadOnlySet<string> _knownSources = ImmutableHashSet<string>.Empty;
        private IReadOnlyDictionary<string, Memory> _storedAggregates = ImmutableDictionary<string, Memory>.Empty;
        private readonly Dictionary<string, ChannelWindow> _windows = new(StringComparer.Ordinal);
        private ImmutableSortedDictionary<EntityId, Session>? _sessions;

        /// <summary>Normalizes and fingerprints the tick's messages, then reads what the store knows of them in batches.</summary>
        public void Prefetch()
        {
            var events = world.EventsIn;
            _chats = new Chat?[events.Length];
            var sourceKeys = new HashSet<string>(StringComparer.Ordinal);
            var ranges = new SortedDictionary<string, (long From, long To)>(StringComparer.Ordinal);
            var aggregateIds = new HashSet<string>(StringComparer.Ordinal);
            var reach = Math.Max(_cfg.DedupeWindowMs, _cfg.SimHashWindowMs);
            for (var i = 0; i < events.Length; i++)
            {
                switch (ChatOf(events[i]) ?? events[i])
                {
                    case FsFileCreated c:
                        sourceKeys.Add(FileSourceKey(c.Path, c.ContentHash));
                        break;
                    case FsFileModified m:
                        sourceKeys.Add(FileSourceKey(m.Path, m.ContentHash));
                        break;
                    case FsReadResult r when r.Meta.GetValueOrDefault("purpose") == Purpose:
                        sourceKeys.Add(FileSourceKey(r.Path, r.ContentHash));
                        break;
                    case DiscordMessageNew m:
                        var chat = Prepare(m);
                        _chats[i] = chat;
                        if (chat.Reason is not null)
                            break;
                        sourceKeys.Add(chat.SourceKey);
                        aggregateIds.Add(chat.AggregateId);
                        var from = Math.Min(m.TimestampMs - reach, chat.Bucket * _cfg.SpamBucketMs);
                        var to = Math.Max(m.TimestampMs + reach, chat.Bucket * _cfg.SpamBucketMs + _cfg.SpamBucketMs - 1);
                        ranges[m.ChannelId] = ranges.TryGetValue(m.ChannelId, out var r0) ? (Math.Min(r0.From, from), Math.Max(r0.To, to)) : (from, to);
                        break;
                }
            }
            if (sourceKeys.Count > 0)
                _knownSources = stores.KnownSourceKeys(sourceKeys);
            if (aggregateIds.Count > 0)
                _storedAggregates = stores.GetMemories(aggregateIds);
            foreach (var (channel, (from, to)) in ranges)
                _windows[channel] = new ChannelWindow(stores.DedupeEntries(channel, from, to));
        }

        public void Handle(Event e, int index)
        {
            switch (ChatOf(e) ?? e)
            {
                case FsFileCreated c:
                    RequestRead(c.Path, c.ContentHash);
                    break;
                case FsFileModified m:
                    RequestRead(m.Path, m.ContentHash);
                    break;
                case DiscordMessageNew m:
                    IngestChat(m, _chats[index]!);
                    // The facts served this tick; a message kept longer (a session's queue, an importer's script) need
                    // not keep them alive.
                    m.Memo.Facts = null;
                    break;
                case FsReadResult r when r.Meta.GetValueOrDefault("purpose") == Purpose:
                    IngestFile(r);
                    break;
            }
        }

        /// <summary>
        /// Stores what sessions said and did (replies, tool calls and results, reports) as memories, so the agent
        /// retrieves its own words later like anything else (seed 7.3). No chat dedupe: each entry is its own act.
        /// </summary>
        public void FileTranscripts()
        {
            foreach (var (id, session) in world.Sessions)
            {
                if (session.Unfiled.IsEmpty)
                    continue;
                var cephalon = world.Cephalons.GetValueOrDefault(session.Cephalon)?.Name ?? session.Name;
                foreach (var entry in session.Unfiled)
                {
                    if (Check(entry.Text, out var text) is { } reason)
                    {
                        Reject(reason);
                        continue;
                    }
                    var sourceKey = $"cephalon:{entry.EffectId}:{entry.Kind}:{Sha256Hex.Of(text, 16)}";
                    if (IsKnownSource(sourceKey))
                        continue;
                    var tags = Tagger.Tag(text, new TagContext("cephalon", entry.Channel.Length > 0 ? entry.Channel : null, session.Name, true, Session: session.Name), _cfg.Lexicon);
                    var source = SourceOf(
                    [
                        new KeyValuePair<string, string>("session", id.ToString()),
                        new("sessionName", session.Name),
                        new("authorName", cephalon),
                        new("effect", entry.EffectId),
                    ]);
                    if (entry.Channel.Length > 0)
                        source = source.Add("channel", entry.Channel);
                    Accept(Build(entry.Kind, text, entry.Text, sourceKey, source, tags, entry.AtMs));
                }
                _sessions = (_sessions ?? world.Sessions).SetItem(id, session with { Unfiled = [] });
            }
        }

        private void RequestRead(string path, string hash)
        {
            var key = FileSourceKey(path, hash);
            if (!_knownSources.Contains(key) && _sources.Add("read:" + key))
                _effects.Add(new FsRead(path) { Meta = ImmutableSortedDictionary<string, string>.Empty.Add("purpose", Purpose) });
        }

        private void IngestFile(FsReadResult r)
        {
            var sourceKey = FileSourceKey(r.Path, r.ContentHash);
            if (Check(r.Content, out var text) is { } reason)
            {
                Reject(reason);
                return;
            }
            if (IsKnownSource(sourceKey))
            {
                Reject(Reasons.SourceId);
                return;
            }
            var kind = r.Path.EndsWith(MarkdownExtension, StringComparison.OrdinalIgnoreCase) ? "note" : "file";
            var tags = Tagger.Tag(text, new TagContext("fs", Path: r.Path), _cfg.Lexicon);
            var source = ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal)
                .Add("path", r.Path).Add("contentHash", r.ContentHash);
            Accept(Build(kind, text, r.Content, sourceKey, source, tags, _timeMs));
        }

        /// <summary>What a message is, before any decision: its normalized text, source key and spam family.</summary>
        private Chat Prepare(DiscordMessageNew m)
        {
            var facts = MessageFacts.Of(m, _familyOf ??= FamilyOf);
            if ((facts.Reason ?? (facts.Text.Length > _cfg.MaxTextChars ? Reasons.TooLong : null)) is { } reason)
                return new Chat(reason, "", "", "", "", 0, "", facts);
            var ts = m.TimestampMs;
            var bucket = Math.DivRem(ts, _cfg.SpamBucketMs, out var rem) - (rem < 0 ? 1 : 0);
            if (!_aggregateIds.TryGetValue((facts.Family, bucket), out var aggregateId))
                _aggregateIds[(facts.Family, bucket)] = aggregateId = AggregateId(facts.Family, bucket);
            return new Chat(null, facts.Text, MessageFacts.SourceKey(m), facts.Pattern, facts.Family, bucket, aggregateId, facts);
        }

        /// <summary>A spam family, remembered per channel and pattern for the tick.</summary>
        private string FamilyOf(string channel, string pattern)
        {
            if (!_families.TryGetValue((channel, pattern), out var family))
                _families[(channel, pattern)] = family = SpamPattern.Family(channel, pattern);
            return family;
        }

        private void IngestChat(DiscordMessageNew m, Chat chat)
        {
            if (chat.Reason is { } reason)
            {
                Reject(reason);
                return;
            }
            if (IsKnownSource(chat.SourceKey))
            {
                Reject(Reasons.SourceId);
                return;
            }
            var ts = m.TimestampMs;
            var (text, family, bucket) = (chat.Text, chat.Family, chat.Bucket);
            if (FindAggregate(chat.AggregateId) is { } aggregate)
            {
                aggregate.Fold(ts);
                Reject(Reasons.SpamFamily);
                return;
            }
            var window = _windows[m.ChannelId];
            var prints = chat.Facts.PrintsOf(m);
            var contentHash = prints.ContentHash;
            if (window.HasContentHash(contentHash, ts, _cfg.DedupeWindowMs))
            {
                Reject(Reasons.ContentHash);
                return;
            }
            var simhash = prints.SimHash;
            if (simhash is ulong sh && window.HasNear(sh, ts, _cfg.SimHashWindowMs, _cfg.SimHashMaxDistance))
            {
                Reject(Reasons.NearDuplicate);
                return;
            }
            var bucketStart = bucket * _cfg.SpamBucketMs;
            if (window.FamilyCount(family, bucketStart, bucketStart + _cfg.SpamBucketMs - 1) >= _cfg.SpamThreshold)
            {
                StartAggregate(chat, text, m, ts);
                return;
            }

            var tags = chat.Facts.TagsOf(m, _cfg.Lexicon);
            var source = SourceOf(
            [
                new KeyValuePair<string, string>("channel", m.ChannelId),
                new("author", m.AuthorId),
                new("authorName", m.AuthorName),
                new("messageId", m.MessageId),
                new("contentHash", contentHash),
                new("family", family),
                new("simhash", simhash is ulong s ? s.ToString("x16", CultureInfo.InvariantCulture) : ""),
            ]);
            if (m.GuildId is { Length: > 0 } guild)
                source = source.Add("guild", guild);
            Accept(Build(ChatKind, text, m.Content, chat.SourceKey, source, tags, ts, prints.MemoryId), contentHash);
            window.Add(new DedupeEntry(ts, contentHash, simhash, family));
        }

        /// <summary>Null when the text is acceptable; else the reject reason.</summary>
        private string? Check(string original, out string text) =>
            Normalized(original, out text) ?? (text.Length > _cfg.MaxTextChars ? Reasons.TooLong : null);

        private bool IsKnownSource(string sourceKey) => !_sources.Add(sourceKey) || _knownSources.Contains(sourceKey);

        private Aggregate? FindAggregate(string id)
        {
            if (_aggregates.TryGetValue(id, out var local))
                return local;
            if (!_storedAggregates.TryGetValue(id, out var stored))
                return null;
            var aggregate = Aggregate.Resume(stored);
            _aggregates[id] = aggregate;
            _aggregateOrder.Add(id);
            return aggregate;
        }

        private void StartAggregate(Chat chat, string text, DiscordMessageNew m, long ts)
        {
            var source = SourceOf(
            [
                new KeyValuePair<string, string>("channel", m.ChannelId),
                new("spamFamily", chat.Family),
                new("bucket", chat.Bucket.ToString(CultureInfo.InvariantCulture)),
                new("pattern", chat.Pattern),
                new("count", "1"),
                new("firstSeenMs", ts.ToString(CultureInfo.InvariantCulture)),
                new("lastSeenMs", ts.ToString(CultureInfo.InvariantCulture)),
                new("sampleMessageId", m.MessageId),
                new("sampleAuthor", m.AuthorId),
                new("keptBeforeFolding", _cfg.SpamThreshold.ToString(CultureInfo.InvariantCulture)),
            ]);
            var tags = chat.Facts.TagsOf(m, _cfg.Lexicon);
            tags = tags with { Tags = tags.Tags.Add("spam-family") };
            var memory = new Memory(chat.AggregateId, SpamAggregateKind, text, m.Content, $"spam:{chat.Family}:{chat.Bucket}", source, tags.Tags, tags.Keys, "active", ts);
            _aggregates[chat.AggregateId] = Aggregate.Resume(memory);
            _aggregateOrder.Add(chat.AggregateId);
            Accept(memory, put: false, counter: "ingest.spam.aggregates");
            Reject(Reasons.SpamFamily);
        }

        private void Accept(Memory memory, string? textHash = null, bool put = true, string counter = "ingest.accepted")
        {
            if (put)
                _effects.Add(new MemPut(memory));
            _events.Add(new MemoryCreated(memory.Id, memory.Kind, memory.Tags, memory.NexusKeys) { CreatedMs = memory.CreatedMs, ContentHash = textHash ?? Sha256Hex.Of(memory.Text) });
            _counts[counter] = _counts.GetValueOrDefault(counter) + 1;
        }

        private void Reject(string reason)
        {
            var name = RejectedCounterPrefix + reason;
            _counts[name] = _counts.GetValueOrDefault(name) + 1;
        }

        public World Finish()
        {
            foreach (var id in _aggregateOrder)
                _effects.Add(new MemPut(_aggregates[id].ToMemory()));
            var next = world.Do(_effects).Emit(_events);
            if (_sessions is not null)
                next = next with { Sessions = _sessions };
            foreach (var (name, count) in _counts)
                next = DebugStatsSystem.Count(next, name, count);
            return next;
        }
    }

    /// <summary>A message after normalization: the reject reason, or its text, source key and spam family in its bucket.</summary>
    private sealed record Chat(string? Reason, string Text, string SourceKey, string Pattern, string Family, long Bucket, string AggregateId, MessageFacts Facts);

    /// <summary>
    /// A channel's dedupe fingerprints around this tick's messages: the stored ones read once, plus the
    /// messages accepted earlier in the tick. Answers exactly what the per-message store queries did. Entries are
    /// kept in time order, so each question scans only the entries in its time range (a tick's messages span hours,
    /// the windows minutes).
    /// </summary>
    private sealed class ChannelWindow
    {
        private readonly List<DedupeEntry> _entries;

        public ChannelWindow(IReadOnlyList<DedupeEntry> stored)
        {
            _entries = [.. stored];
            for (var i = 1; i < _entries.Count; i++)
            {
                if (_entries[i].CreatedMs < _entries[i - 1].CreatedMs)
                {
                    _entries.Sort(static (a, b) => a.CreatedMs.CompareTo(b.CreatedMs));
                    break;
                }
            }
        }

        public void Add(DedupeEntry entry)
        {
            var at = _entries.Count;
            while (at > 0 && _entries[at - 1].CreatedMs > entry.CreatedMs)
                at--;
            _entries.Insert(at, entry);
        }

        public bool HasContentHash(string contentHash, long ts, long window)
        {
            for (var (i, to) = (First(Minus(ts, window)), Plus(ts, window)); i < _entries.Count && _entries[i].CreatedMs <= to; i++)
            {
                if (_entries[i].ContentHash == contentHash)
                    return true;
            }
            return false;
        }

        public bool HasNear(ulong simhash, long ts, long window, int maxDistance)
        {
            for (var (i, to) = (First(Minus(ts, window)), Plus(ts, window)); i < _entries.Count && _entries[i].CreatedMs <= to; i++)
            {
                if (_entries[i].SimHash is ulong other && SimHash.Distance(other, simhash) <= maxDistance)
                    return true;
            }
            return false;
        }

        public long FamilyCount(string family, long fromMs, long toMs)
        {
            long count = 0;
            for (var i = First(fromMs); i < _entries.Count && _entries[i].CreatedMs <= toMs; i++)
            {
                if (_entries[i].Family == family)
                    count++;
            }
            return count;
        }

        /// <summary>Window bounds saturate: a timestamp near the ends of the range must not wrap around.</summary>
        private static long Minus(long ts, long window) => ts < long.MinValue + window ? long.MinValue : ts - window;

        private static long Plus(long ts, long window) => ts > long.MaxValue - window ? long.MaxValue : ts + window;

        /// <summary>The index of the first entry at or after <paramref name="fromMs"/>.</summary>
        private int First(long fromMs)
        {
            int lo = 0, hi = _entries.Count;
            while (lo < hi)
            {
                var mid = lo + ((hi - lo) >> 1);
                if (_entries[mid].CreatedMs < fromMs)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            return lo;
        }
    }

    /// <summary>A spam aggregate being folded into during the tick; written once, at the end, as one <c>mem/put</c>.</summary>
    private sealed class Aggregate(Memory memory, long count, long firstMs, long lastMs)
    {
        private long _count = count;
        private long _first = firstMs;
        private long _last = lastMs;
        private bool _folded;

        public static Aggregate Resume(Memory memory) => new(memory,
            long.Parse(memory.Source["count"], CultureInfo.InvariantCulture),
            long.Parse(memory.Source["firstSeenMs"], CultureInfo.InvariantCulture),
            long.Parse(memory.Source["lastSeenMs"], CultureInfo.InvariantCulture));

        public void Fold(long ts)
        {
            _count++;
            _first = Math.Min(_first, ts);
            _last = Math.Max(_last, ts);
            _folded = true;
        }

        public Memory ToMemory() => !_folded ? memory : memory with
        {
            Source = memory.Source.SetItem("count", _count.ToString(CultureInfo.InvariantCulture))
                .SetItem("firstSeenMs", _first.ToString(CultureInfo.InvariantCulture))
                .SetItem("lastSeenMs", _last.ToString(CultureInfo.InvariantCulture)),
        };
    }

    /// <summary>A memory's source map, built straight into its tree (CreateRange detours through a SortedDictionary).</summary>
    private static ImmutableSortedDictionary<string, string> SourceOf(params ReadOnlySpan<KeyValuePair<string, string>> entries)
    {
        var source = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in entries)
            source.Add(key, value);
        return source.ToImmutable();
    }

    private static Memory Build(string kind, string text, string original, string sourceKey, ImmutableSortedDictionary<string, string> source,
        TagSet tags, long createdMs, string? id = null) =>
        new(id ?? MemoryId(kind, sourceKey, text), kind, text, original, sourceKey, source, tags.Tags, tags.Keys, "active", createdMs);

    /// <summary>A memory's content-derived id.</summary>
    internal static string MemoryId(string kind, string sourceKey, string text) => Sha256Hex.Of(kind + "\n" + sourceKey + "\n" + text, 32);

    /// <summary>
    /// The normal form of a text, or why it has none: unpaired UTF-16 surrogates (<c>invalid-text</c>) or nothing
    /// left after normalizing (<c>empty</c>). The length limit, which the settings give, is checked by the caller.
    /// </summary>
    internal static string? Normalized(string original, out string text)
    {
        text = "";
        if (TextNormalizer.HasUnpairedSurrogate(original))
            return Reasons.InvalidText;
        text = TextNormalizer.Normalize(original);
        return text.Length == 0 ? Reasons.Empty : null;
    }
}
