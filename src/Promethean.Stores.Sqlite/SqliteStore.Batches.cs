using System.Collections.Immutable;
using System.Text.Json;
using Promethean.Core;
using Promethean.Core.Effects;
using Promethean.Core.Serialization;

namespace Promethean.Stores.Sqlite;

/// <summary>
/// The writes of a tick's ingest (hundreds of <c>mem/put</c> and <c>nexus/link</c> effects a tick) go through statements
/// prepared once and bound from the records; a run of links is written in the postings table's order. The result equals
/// applying the effects one by one.
/// </summary>
public sealed partial class SqliteStore
{
    /// <summary>
    /// A memory's row in the near-duplicate window, from the dedupe facts ingest put in its source: channel, content
    /// hash and spam family (all three, or no row), and a simhash when it has one of 16 digits.
    /// </summary>
    private static (string Channel, string ContentHash, string? SimHash, string Family)? DedupeRow(Memory m) =>
        m.Source.TryGetValue("channel", out var channel) && m.Source.TryGetValue("contentHash", out var contentHash)
            && m.Source.TryGetValue("family", out var family)
            ? (channel, contentHash, m.Source.TryGetValue("simhash", out var simhash) && simhash.Length == 16 ? simhash : null, family)
            : null;

    /// <summary>
    /// Links a run of memories under their keys: the postings first, counting per key the (key, memory) pairs not
    /// linked before, then those keys' degrees. Equal to linking them one by one. The postings go in in the table's
    /// own order (key, newest first), so each key's run of the tree is written together instead of jumping between
    /// keys memory by memory.
    /// </summary>
    private void LinkAll(IReadOnlyList<Effect> links)
    {
        var postings = new List<(string Key, long CreatedMs, string MemoryId)>();
        foreach (NexusLink link in links)
        {
            foreach (var key in link.Keys)
                postings.Add((key, link.CreatedMs, link.MemoryId));
        }
        postings.Sort(static (a, b) =>
        {
            var byKey = string.CompareOrdinal(a.Key, b.Key);
            if (byKey != 0)
                return byKey;
            var byAge = b.CreatedMs.CompareTo(a.CreatedMs);
            return byAge != 0 ? byAge : string.CompareOrdinal(a.MemoryId, b.MemoryId);
        });
        var post = Raw("INSERT OR IGNORE INTO nexus(key, created_ms, memory_id) VALUES(?1, ?2, ?3)");
        var degree = Raw("INSERT INTO nexus_degree(key, degree) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET degree = degree + excluded.degree");
        for (var i = 0; i < postings.Count;)
        {
            var key = postings[i].Key;
            var added = 0;
            for (; i < postings.Count && string.Equals(postings[i].Key, key, StringComparison.Ordinal); i++)
                added += post.Text(1, key).Integer(2, postings[i].CreatedMs).Text(3, postings[i].MemoryId).Run();
            if (added > 0)
                degree.Text(1, key).Integer(2, added).Run();
        }
    }

    /// <summary>The write of a memory's near-duplicate window row, if it has one (<see cref="DedupeRow"/>).</summary>
    private void WriteDedupeRow(Memory m)
    {
        if (DedupeRow(m) is var (channel, contentHash, simhash, family))
        {
            Raw("INSERT OR REPLACE INTO memory_dedupe(channel, created_ms, id, content_hash, simhash, family) VALUES(?1, ?2, ?3, ?4, ?5, ?6)")
                .Text(1, channel).Integer(2, m.CreatedMs).Text(3, m.Id).Text(4, contentHash).Text(5, simhash).Text(6, family).Run();
        }
    }

    /// <summary>A statement prepared once per store and run through SQLite's C API (<see cref="RawStatement"/>).</summary>
    private RawStatement Raw(string sql)
    {
        if (!_raw.TryGetValue(sql, out var statement))
            _raw[sql] = statement = new RawStatement(_db, sql);
        return statement;
    }

    /// <summary>
    /// The canonical JSON of a memory's source map, tags or keys as UTF-8 (what the serializer writes for them), in a
    /// buffer the store reuses: valid until the next call. Bound straight into a statement, it costs no string.
    /// </summary>
    private ReadOnlySpan<byte> CanonicalUtf8(ImmutableSortedDictionary<string, string> map) =>
        WriteReused(map, static (writer, value) => OrdinalCollectionsConverterFactory.WriteStringMap(writer, value));

    private ReadOnlySpan<byte> CanonicalUtf8(ImmutableSortedSet<string> set) =>
        WriteReused(set, static (writer, value) => OrdinalCollectionsConverterFactory.WriteStringSet(writer, value));

    private ReadOnlySpan<byte> WriteReused<T>(T value, Action<Utf8JsonWriter, T> write)
    {
        _json.ResetWrittenCount();
        _jsonWriter.Reset(_json);
        write(_jsonWriter, value);
        _jsonWriter.Flush();
        return _json.WrittenSpan;
    }
}
