using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
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
        foreach (var e in world.EventsIn)
            run.Handle(e);
        return run.Finish();
    }

    public static string FileSourceKey(string path, string contentHash) => $"file:{path}#{contentHash}";

    public static string AggregateId(string family, long bucket) =>
        Hex(SpamAggregateKind + "\n" + family + "\n" + bucket.ToString(CultureInfo.InvariantCulture))[..32];

    /// <summary>One tick of ingest; its local state makes later events of the tick see earlier ones.</summary>
    private sealed class Run(World world, IStoreReader stores)
    {
        private readonly MemorySettings _cfg = world.MemoryConfig;
        private readonly long _timeMs = world.TimeMs;
        private readonly List<Effect> _effects = [];
        private readonly List<Event> _events = [];
        private World _next = world;
        private readonly HashSet<string> _sources = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<Accepted>> _byChannel = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Memory> _aggregates = new(StringComparer.Ordinal);
        private readonly List<string> _aggregateOrder = [];
        private readonly SortedDictionary<string, long> _counts = new(StringComparer.Ordinal);

        public void Handle(Event e)
        {
            switch (e)
            {
                case FsFileCreated c:
                    RequestRead(c.Path, c.ContentHash);
                    break;
                case FsFileModified m:
                    RequestRead(m.Path, m.ContentHash);
                    break;
                case DiscordMessageNew m:
                    IngestChat(m);
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
            var sessions = _next.Sessions;
            foreach (var (id, session) in sessions)
            {
                if (session.Unfiled.IsEmpty)
                    continue;
                var cephalon = _next.Cephalons.GetValueOrDefault(session.Cephalon)?.Name ?? session.Name;
                foreach (var entry in session.Unfiled)
                {
                    if (Check(entry.Text, out var text) is { } reason)
                    {
                        Reject(reason);
                        continue;
                    }
                    var sourceKey = $"cephalon:{entry.EffectId}:{entry.Kind}:{Hex(text)[..16]}";
                    if (IsKnownSource(sourceKey))
                        continue;
                    var tags = Tagger.Tag(text, new TagContext("cephalon", entry.Channel.Length > 0 ? entry.Channel : null, session.Name, true, Session: session.Name), _cfg.Lexicon);
                    var source = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
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
                _next = _next with { Sessions = _next.Sessions.SetItem(id, session with { Unfiled = [] }) };
            }
        }

        private void RequestRead(string path, string hash)
        {
            var key = FileSourceKey(path, hash);
            if (stores.FindBySourceKey(key) is null && _sources.Add("read:" + key))
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

        private void IngestChat(DiscordMessageNew m)
        {
            if (Check(m.Content, out var text) is { } reason)
            {
                Reject(reason);
                return;
            }
            var sourceKey = "discord:" + m.MessageId;
            if (IsKnownSource(sourceKey))
            {
                Reject(Reasons.SourceId);
                return;
            }
            var ts = m.TimestampMs;
            var contentHash = Hex(text);
            var simhash = SimHash.Compute(text);
            var pattern = SpamPattern.Of(text);
            var family = SpamPattern.Family(m.ChannelId, pattern);
            var bucket = Math.DivRem(ts, _cfg.SpamBucketMs, out var rem) - (rem < 0 ? 1 : 0);

            if (Aggregate(family, bucket) is { } aggregate)
            {
                Fold(aggregate, ts);
                return;
            }
            if (IsExactDuplicate(m.ChannelId, contentHash, ts))
            {
                Reject(Reasons.ContentHash);
                return;
            }
            if (simhash is ulong sh && IsNearDuplicate(m.ChannelId, sh, ts))
            {
                Reject(Reasons.NearDuplicate);
                return;
            }
            if (FamilyCount(m.ChannelId, family, bucket) >= _cfg.SpamThreshold)
            {
                StartAggregate(family, bucket, pattern, text, m, ts);
                return;
            }

            var tags = Tagger.Tag(text, new TagContext("discord", m.ChannelId, m.AuthorId, m.AuthorIsBot), _cfg.Lexicon);
            var source = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
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
            Accept(Build("discord.message", text, m.Content, sourceKey, source, tags, ts));
            ChannelList(m.ChannelId).Add(new Accepted(ts, contentHash, simhash, family));
        }

        /// <summary>Null when the text is acceptable; else the reject reason.</summary>
        private string? Check(string original, out string text)
        {
            text = "";
            if (HasUnpairedSurrogate(original))
                return Reasons.InvalidText;
            text = TextNormalizer.Normalize(original);
            if (text.Length == 0)
                return Reasons.Empty;
            return text.Length > _cfg.MaxTextChars ? Reasons.TooLong : null;
        }

        private bool IsKnownSource(string sourceKey) => !_sources.Add(sourceKey) || stores.FindBySourceKey(sourceKey) is not null;

        private bool IsExactDuplicate(string channel, string contentHash, long ts)
        {
            var w = _cfg.DedupeWindowMs;
            foreach (var a in ChannelList(channel))
            {
                if (a.ContentHash == contentHash && Math.Abs(a.Ts - ts) <= w)
                    return true;
            }
            return stores.HasContentHash(channel, contentHash, ts - w, ts + w);
        }

        private bool IsNearDuplicate(string channel, ulong simhash, long ts)
        {
            var w = _cfg.SimHashWindowMs;
            var max = _cfg.SimHashMaxDistance;
            foreach (var a in ChannelList(channel))
            {
                if (a.SimHash is ulong other && Math.Abs(a.Ts - ts) <= w && SimHash.Distance(other, simhash) <= max)
                    return true;
            }
            foreach (var other in stores.SimHashes(channel, ts - w, ts + w))
            {
                if (SimHash.Distance(other, simhash) <= max)
                    return true;
            }
            return false;
        }

        private long FamilyCount(string channel, string family, long bucket)
        {
            var from = bucket * _cfg.SpamBucketMs;
            var to = from + _cfg.SpamBucketMs - 1;
            long count = 0;
            foreach (var a in ChannelList(channel))
            {
                if (a.Family == family && a.Ts >= from && a.Ts <= to)
                    count++;
            }
            return count + stores.CountFamily(family, from, to);
        }

        private Memory? Aggregate(string family, long bucket)
        {
            var id = AggregateId(family, bucket);
            return _aggregates.TryGetValue(id, out var local) ? local : stores.GetMemory(id);
        }

        private void StartAggregate(string family, long bucket, string pattern, string text, DiscordMessageNew m, long ts)
        {
            var source = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
            [
                new KeyValuePair<string, string>("channel", m.ChannelId),
                new("spamFamily", family),
                new("bucket", bucket.ToString(CultureInfo.InvariantCulture)),
                new("pattern", pattern),
                new("count", "1"),
                new("firstSeenMs", ts.ToString(CultureInfo.InvariantCulture)),
                new("lastSeenMs", ts.ToString(CultureInfo.InvariantCulture)),
                new("sampleMessageId", m.MessageId),
                new("sampleAuthor", m.AuthorId),
                new("keptBeforeFolding", _cfg.SpamThreshold.ToString(CultureInfo.InvariantCulture)),
            ]);
            var tags = Tagger.Tag(text, new TagContext("discord", m.ChannelId, m.AuthorId, m.AuthorIsBot), _cfg.Lexicon);
            tags = tags with { Tags = tags.Tags.Add("spam-family") };
            var id = AggregateId(family, bucket);
            var memory = new Memory(id, SpamAggregateKind, text, m.Content, $"spam:{family}:{bucket}", source, tags.Tags, tags.Keys, "active", ts);
            _aggregates[id] = memory;
            _aggregateOrder.Add(id);
            Accept(memory, put: false, counter: "ingest.spam.aggregates");
            Reject(Reasons.SpamFamily);
        }

        private void Fold(Memory aggregate, long ts)
        {
            var s = aggregate.Source;
            var first = Math.Min(long.Parse(s["firstSeenMs"], CultureInfo.InvariantCulture), ts);
            var last = Math.Max(long.Parse(s["lastSeenMs"], CultureInfo.InvariantCulture), ts);
            var count = long.Parse(s["count"], CultureInfo.InvariantCulture) + 1;
            var updated = aggregate with
            {
                Source = s.SetItem("count", count.ToString(CultureInfo.InvariantCulture))
                    .SetItem("firstSeenMs", first.ToString(CultureInfo.InvariantCulture))
                    .SetItem("lastSeenMs", last.ToString(CultureInfo.InvariantCulture)),
            };
            if (!_aggregates.ContainsKey(aggregate.Id))
                _aggregateOrder.Add(aggregate.Id);
            _aggregates[aggregate.Id] = updated;
            Reject(Reasons.SpamFamily);
        }

        private List<Accepted> ChannelList(string channel)
        {
            if (!_byChannel.TryGetValue(channel, out var list))
                _byChannel[channel] = list = [];
            return list;
        }

        private void Accept(Memory memory, bool put = true, string counter = "ingest.accepted")
        {
            if (put)
                _effects.Add(new MemPut(memory));
            _events.Add(new MemoryCreated(memory.Id, memory.Kind, memory.Tags, memory.NexusKeys) { CreatedMs = memory.CreatedMs, ContentHash = Hex(memory.Text) });
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
                _effects.Add(new MemPut(_aggregates[id]));
            var next = _next.Do(_effects).Emit(_events);
            foreach (var (name, count) in _counts)
                next = DebugStatsSystem.Count(next, name, count);
            return next;
        }
    }

    private sealed record Accepted(long Ts, string ContentHash, ulong? SimHash, string Family);

    private static Memory Build(string kind, string text, string original, string sourceKey, ImmutableSortedDictionary<string, string> source,
        TagSet tags, long createdMs)
    {
        var id = Hex(kind + "\n" + sourceKey + "\n" + text)[..32];
        return new Memory(id, kind, text, original, sourceKey, source, tags.Tags, tags.Keys, "active", createdMs);
    }

    private static string Hex(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));

    private static bool HasUnpairedSurrogate(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]))
            {
                if (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]))
                    return true;
                i++;
            }
            else if (char.IsLowSurrogate(s[i]))
            {
                return true;
            }
        }
        return false;
    }
}
