using System.Text.Json;
using Promethean.Core;
using Promethean.Core.Effects;
using Promethean.Core.Serialization;

namespace Promethean.Stores.Sqlite;

/// <summary>
/// The batched writes of a tick's ingest: a run of <c>mem/put</c> or <c>nexus/link</c> effects (ingest emits hundreds
/// a tick) goes through statements prepared once and bound from the records, postings in the table's order. The
/// result equals applying the effects one by one.
/// </summary>
public sealed partial class SqliteStore
{
    /// <summary>
    /// Puts memories in order. Those new to the store (and first of their id in the run) are inserted
    /// together; the rest (replacements, repeats within the run) follow one by one, which keeps the
    /// outcome of applying the puts in sequence.
    /// </summary>
    private void PutMemories(IReadOnlyList<MemPut> puts)
    {
        var stored = ExistingIds(puts.Select(p => p.Memory.Id).Distinct(StringComparer.Ordinal).ToList());
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var fresh = new List<Memory>(puts.Count);
        var rest = new List<Memory>();
        foreach (var put in puts)
        {
            if (!stored.Contains(put.Memory.Id) && seen.Add(put.Memory.Id))
                fresh.Add(put.Memory);
            else
                rest.Add(put.Memory);
        }
        InsertFresh(fresh);
        foreach (var m in rest)
            PutMemory(m);
    }

    private HashSet<string> ExistingIds(IReadOnlyCollection<string> ids)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        using var r = Prepared("SELECT id FROM memories WHERE id IN (SELECT value FROM json_each($k))", ("$k", JsonSerializer.Serialize(ids))).ExecuteReader();
        while (r.Read())
            found.Add(r.GetString(0));
        return found;
    }

    /// <summary>
    /// Inserts memories known to be new, in order, each with its keyword postings and its near-duplicate window row:
    /// the same rows as <see cref="PutMemory"/> writes, through statements bound from the records (no JSON is parsed
    /// to write them).
    /// </summary>
    private void InsertFresh(List<Memory> memories)
    {
        if (memories.Count == 0)
            return;
        var insert = Raw("""
            INSERT INTO memories(id, kind, text, original, source_key, source, tags, nexus_keys, lifecycle, created_ms)
            VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            """);
        var keyword = Raw("INSERT INTO memories_fts(rowid, text) VALUES(?1, ?2)");
        foreach (var m in memories)
        {
            insert.Text(1, m.Id).Text(2, m.Kind).Text(3, m.Text).Text(4, string.Equals(m.Original, m.Text, StringComparison.Ordinal) ? null : m.Original)
                .Text(5, m.SourceKey).Utf8(6, CanonicalUtf8(m.Source)).Utf8(7, CanonicalUtf8(m.Tags)).Utf8(8, CanonicalUtf8(m.NexusKeys))
                .Text(9, m.Lifecycle).Integer(10, m.CreatedMs).Run();
            var rowid = insert.LastRowId;
            if (m.Lifecycle != Memory.Tombstoned)
                keyword.Integer(1, rowid).Text(2, m.Text).Run();
            WriteDedupeRow(m);
        }
    }

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
    /// The canonical JSON of a value as UTF-8, written into a buffer the store reuses: valid until the next call.
    /// Bound straight into a statement, it costs no string.
    /// </summary>
    private ReadOnlySpan<byte> CanonicalUtf8(object value)
    {
        _json.ResetWrittenCount();
        _jsonWriter.Reset(_json);
        JsonSerializer.Serialize(_jsonWriter, value, value.GetType(), CanonicalJson.Options);
        _jsonWriter.Flush();
        return _json.WrittenSpan;
    }
}
