using System.Text.Json;
using Promethean.Core;
using Promethean.Core.Effects;
using Promethean.Core.Serialization;

namespace Promethean.Stores.Sqlite;

/// <summary>
/// The set-based writes of a tick's ingest. A run of <c>mem/put</c> or <c>nexus/link</c> effects
/// goes to SQLite as one JSON array of the effects' canonical bytes (already computed for the world
/// hash), unpacked there with <c>json_each</c>: no per-memory statement and no second serialization.
/// The result equals applying the effects one by one.
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
        var fresh = new List<Effect>(puts.Count);
        var rest = new List<Memory>();
        foreach (var put in puts)
        {
            if (!stored.Contains(put.Memory.Id) && seen.Add(put.Memory.Id))
                fresh.Add(put);
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
    /// Inserts memories known to be new, in order: rows (so rowids ascend as if put one by one), then
    /// the keyword postings of the rows just added, then the near-duplicate window's rows. The same
    /// columns as <see cref="PutMemory"/> writes.
    /// </summary>
    private void InsertFresh(List<Effect> puts)
    {
        if (puts.Count == 0)
            return;
        var batch = JsonArray(puts);
        var before = Prepared("SELECT coalesce(max(rowid), 0) FROM memories").ExecuteScalar();
        Prepared("""
            WITH b AS MATERIALIZED (SELECT key, jsonb_extract(value, '$.memory') AS m FROM json_each(CAST($b AS TEXT)))
            INSERT INTO memories(id, kind, text, original, source_key, source, tags, nexus_keys, lifecycle, created_ms)
            SELECT m->>'id', m->>'kind', m->>'text', nullif(m->>'original', m->>'text'), m->>'sourceKey', json(m->'source'),
                   json(m->'tags'), json(m->'nexusKeys'), m->>'lifecycle', m->>'createdMs'
            FROM b ORDER BY key
            """, ("$b", batch)).ExecuteNonQuery();
        Prepared("INSERT INTO memories_fts(rowid, text) SELECT rowid, text FROM memories WHERE rowid > $r AND lifecycle <> 'tombstoned' ORDER BY rowid",
            ("$r", before)).ExecuteNonQuery();
        Prepared(DedupeOfNewRows, ("$r", before)).ExecuteNonQuery();
    }

    /// <summary>
    /// A stored memory's row in the near-duplicate window, from the dedupe facts ingest put in its
    /// source (channel, content hash, spam family; a 16-digit simhash when it has one). The one rule
    /// for both write paths.
    /// </summary>
    private const string DedupeFromMemories = """
        INSERT OR REPLACE INTO memory_dedupe(channel, created_ms, id, content_hash, simhash, family)
        SELECT source->>'channel', created_ms, id, source->>'contentHash', CASE WHEN length(source->>'simhash') = 16 THEN source->>'simhash' END, source->>'family'
        FROM memories WHERE source->>'channel' IS NOT NULL AND source->>'contentHash' IS NOT NULL AND source->>'family' IS NOT NULL
        """;

    private const string DedupeOfNewRows = DedupeFromMemories + " AND rowid > $r ORDER BY rowid";

    private const string DedupeOfMemory = DedupeFromMemories + " AND id = $id";

    /// <summary>
    /// Links a run of memories under their keys in two statements: the postings, returning the keys of
    /// the (key, memory) pairs not linked before, then those keys' degrees. Equal to linking them one by one.
    /// The postings go in in the table's own order (key, newest first), so each key's run of the tree is written
    /// together instead of jumping between keys memory by memory.
    /// </summary>
    private void LinkAll(IReadOnlyList<Effect> links)
    {
        var batch = JsonArray(links);
        var added = new SortedDictionary<string, long>(StringComparer.Ordinal);
        using (var r = Prepared("""
            INSERT OR IGNORE INTO nexus(key, created_ms, memory_id)
            SELECT k.value, l.value->>'createdMs', l.value->>'memoryId'
            FROM json_each(CAST($b AS TEXT)) AS l, json_each(l.value, '$.keys') AS k ORDER BY 1, 2 DESC, 3
            RETURNING key
            """, ("$b", batch)).ExecuteReader())
        {
            while (r.Read())
            {
                var key = r.GetString(0);
                added[key] = added.GetValueOrDefault(key) + 1;
            }
        }
        if (added.Count > 0)
        {
            Prepared("""
                INSERT INTO nexus_degree(key, degree) SELECT key, value FROM json_each($d) WHERE true
                ON CONFLICT(key) DO UPDATE SET degree = degree + excluded.degree
                """, ("$d", JsonSerializer.Serialize(added))).ExecuteNonQuery();
        }
    }

    /// <summary>
    /// A JSON array of the effects' canonical bytes (memoized on each effect, so usually free), as UTF-8 bytes: the
    /// statements read it as <c>CAST($b AS TEXT)</c>, which takes the bytes as they are (the database is UTF-8),
    /// where a string parameter would be converted to UTF-16 here and back to UTF-8 by the binding.
    /// </summary>
    private static byte[] JsonArray(IReadOnlyList<Effect> effects) =>
        JoinJsonArray([.. effects.Select(CanonicalJson.SerializeEffect)]);
}
