using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Promethean.Core;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Serialization;
using Promethean.Stores.Sqlite.Vectors;

namespace Promethean.Stores.Sqlite;

/// <summary>
/// The default store: one SQLite file in WAL mode with the journal, the current world's components,
/// memories, the outbox, ingress cursors and snapshots. Every tick commits in one transaction, so a
/// crash at any instant leaves the last committed tick whole. Not thread-safe: the tick loop owns it.
/// </summary>
public sealed partial class SqliteStore : IStoreReader, IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RawStatement> _raw = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> _json = new(1024);
    /// <summary>The journal's events_in buffer (<see cref="EventsUtf8"/>); one a tick of huge events grew is not kept past this.</summary>
    private ArrayBufferWriter<byte> _events = new(1 << 16);
    private const int MaxKeptEventsBuffer = 4 << 20;
    private readonly Utf8JsonWriter _jsonWriter = new(Stream.Null, new JsonWriterOptions { Encoder = CanonicalJson.Options.Encoder, SkipValidation = true });
    private SqliteTransaction? _tx;
    /// <summary>The transaction of ticks committed with <c>hold</c>, open until <see cref="Flush"/>.</summary>
    private SqliteTransaction? _group;
    private WalCheckpointer? _checkpointer;
    private readonly Dictionary<(string Model, string Kind), ExactVectorIndex> _vectors = [];

    private SqliteStore(SqliteConnection db, bool readOnly = false)
    {
        _db = db;
        _memoReads = !readOnly;
        if (readOnly)
        {
            Execute("PRAGMA busy_timeout=5000;");
            return;
        }
        // A 64 MB page cache holds the hot index pages of a large memory store, so ingest does not re-read them every
        // tick; checkpoints run on their own thread (WalCheckpointer), the writer's automatic one is only a backstop.
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=65536; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;");
        var version = Scalar<long>("PRAGMA user_version");
        if (version > SchemaVersion)
            throw new InvalidOperationException($"this store has schema version {version}, written by a newer Promethean; this one reads up to version {SchemaVersion}");
        if (version < SchemaVersion && Scalar<long>("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'memories'") > 0)
        {
            if (version < 2)
                Migrate();
            MigrateVectors();
        }
        Execute(Schema);
        Execute($"PRAGMA user_version = {SchemaVersion}");
        // The keyword index merges its segments when the engine is idle (MergeKeywordIndex), not inside a commit:
        // FTS5's automatic merging made one commit in ~150 take 15-40 ms at 100k memories. The crisis merge (16
        // segments on a level) stays on as the backstop for a store that is never idle.
        Execute("INSERT INTO memories_fts(memories_fts, rank) VALUES('automerge', 0);");
    }

    /// <summary>
    /// Version 3: <c>vectors</c> is a rowid table with a unique (memory, model, kind) index. Version 2 kept it
    /// WITHOUT ROWID, where a row is an index entry: a 384-d vector's 1.5 KB row is past what an index page holds
    /// locally (~1 KB of a 4 KB page), so each vector took a leaf cell plus an overflow page of its own. That made the
    /// table 2.2x its size and a read of one vector two page reads; the exact index rescores its candidates by reading
    /// them, ~100 a search (docs/memory.md, "Vector index").
    /// Version 2: keyword index with external content, <c>original</c> stored only when it differs from
    /// the text, near-duplicate rows keyed by (channel, time) with hex simhashes, one posting b-tree
    /// keyed by (key, time desc, memory). Version 1 was the first layout (user_version 0).
    /// </summary>
    private const int SchemaVersion = 3;

    /// <summary>Rebuilds a WITHOUT ROWID <c>vectors</c> table (versions 1 and 2) as the rowid table of version 3, in one transaction.</summary>
    private void MigrateVectors()
    {
        var layout = Scalar<string>("SELECT coalesce((SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'vectors'), '')");
        if (!layout.Contains("WITHOUT ROWID", StringComparison.OrdinalIgnoreCase))
            return;
        using var tx = _db.BeginTransaction();
        using (var cmd = _db.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = "ALTER TABLE vectors RENAME TO vectors_v2;" + Schema + """

                INSERT INTO vectors(memory_id, model, kind, dim, data)
                SELECT memory_id, model, kind, dim, data FROM vectors_v2 ORDER BY memory_id, model, kind;
                DROP TABLE vectors_v2;
                """;
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>Rewrites a store of the first layout into the current one in one transaction, keeping rowids (the keyword index refers to them).</summary>
    private void Migrate()
    {
        using var tx = _db.BeginTransaction();
        using (var cmd = _db.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = """
                ALTER TABLE memories RENAME TO memories_v1;
                DROP INDEX IF EXISTS memories_source;
                DROP INDEX IF EXISTS memories_kind_age;
                DROP TABLE IF EXISTS memories_fts;
                ALTER TABLE memory_dedupe RENAME TO memory_dedupe_v1;
                DROP INDEX IF EXISTS memory_dedupe_time;
                ALTER TABLE nexus RENAME TO nexus_v1;
                DROP INDEX IF EXISTS nexus_recent;
                """ + Schema + """

                INSERT INTO memories(rowid, id, kind, text, original, source_key, source, tags, nexus_keys, lifecycle, created_ms)
                SELECT rowid, id, kind, text, nullif(original, text), source_key, source, tags, nexus_keys, lifecycle, created_ms FROM memories_v1 ORDER BY rowid;
                INSERT INTO memories_fts(rowid, text) SELECT rowid, text FROM memories WHERE lifecycle <> 'tombstoned' ORDER BY rowid;
                INSERT INTO memory_dedupe(channel, created_ms, id, content_hash, simhash, family)
                SELECT channel, created_ms, id, content_hash, CASE WHEN simhash IS NULL THEN NULL ELSE printf('%016x', simhash) END, family FROM memory_dedupe_v1;
                INSERT OR IGNORE INTO nexus(key, created_ms, memory_id) SELECT key, created_ms, memory_id FROM nexus_v1;
                DROP TABLE memories_v1;
                DROP TABLE memory_dedupe_v1;
                DROP TABLE nexus_v1;
                """;
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>Opens (creating if needed) the store file at <paramref name="path"/>.</summary>
    public static SqliteStore Open(string path)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        db.Open();
        SqliteStore store;
        try
        {
            store = new SqliteStore(db);
        }
        catch
        {
            db.Dispose();
            throw;
        }
        store._checkpointer = new WalCheckpointer(path, TimeSpan.FromMilliseconds(200));
        return store;
    }

    /// <summary>
    /// A read-only connection to an existing store file, for readers beside the tick loop (the
    /// inspector): WAL lets it read committed ticks while the loop writes.
    /// </summary>
    public static SqliteStore OpenReadOnly(string path)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        db.Open();
        return new SqliteStore(db, readOnly: true);
    }

    /// <summary>A private in-memory store, used by replay and tests.</summary>
    public static SqliteStore InMemory()
    {
        var db = new SqliteConnection("Data Source=:memory:");
        db.Open();
        return new SqliteStore(db);
    }

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS journal(
            tick INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, events_in TEXT NOT NULL,
            world_hash TEXT NOT NULL, parts TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS world_meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS world_components(
            tbl TEXT NOT NULL, entity INTEGER NOT NULL, json TEXT NOT NULL, PRIMARY KEY(tbl, entity));
        CREATE TABLE IF NOT EXISTS snapshots(tick INTEGER PRIMARY KEY, world TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS outbox(
            effect_id TEXT PRIMARY KEY, tick INTEGER NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL,
            status TEXT NOT NULL, outcome TEXT);
        CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(status) WHERE status = 'pending';
        CREATE TABLE IF NOT EXISTS cursors(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS memories(
            id TEXT PRIMARY KEY, kind TEXT NOT NULL, text TEXT NOT NULL, original TEXT,
            source_key TEXT NOT NULL, source TEXT NOT NULL, tags TEXT NOT NULL, nexus_keys TEXT NOT NULL,
            lifecycle TEXT NOT NULL, created_ms INTEGER NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS memories_source ON memories(source_key);
        CREATE INDEX IF NOT EXISTS memories_kind_age ON memories(kind, lifecycle, created_ms, id);
        CREATE TABLE IF NOT EXISTS memory_dedupe(
            channel TEXT NOT NULL, created_ms INTEGER NOT NULL, id TEXT NOT NULL, content_hash TEXT NOT NULL, simhash TEXT,
            family TEXT NOT NULL, PRIMARY KEY(channel, created_ms, id)) WITHOUT ROWID;
        CREATE VIRTUAL TABLE IF NOT EXISTS memories_fts USING fts5(text, content = 'memories', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 2');
        CREATE TABLE IF NOT EXISTS nexus(
            key TEXT NOT NULL, created_ms INTEGER NOT NULL, memory_id TEXT NOT NULL, PRIMARY KEY(key, created_ms DESC, memory_id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS nexus_degree(key TEXT PRIMARY KEY, degree INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS vectors(
            memory_id TEXT NOT NULL, model TEXT NOT NULL, kind TEXT NOT NULL, dim INTEGER NOT NULL, data BLOB NOT NULL,
            UNIQUE(memory_id, model, kind));
        CREATE TABLE IF NOT EXISTS deferred_jobs(
            seq INTEGER PRIMARY KEY AUTOINCREMENT, dedupe_key TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
            priority INTEGER NOT NULL, payload TEXT NOT NULL, model TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS deferred_jobs_order ON deferred_jobs(priority DESC, seq);
        """;

    // ---- reads for systems -------------------------------------------------------------------

    public Memory? GetMemory(string id) => QueryMemory("SELECT * FROM memories WHERE id = $k", id);

    public Memory? FindBySourceKey(string sourceKey) => QueryMemory("SELECT * FROM memories WHERE source_key = $k", sourceKey);

    public long MemoryCount => Scalar<long>("SELECT count(*) FROM memories");

    public IReadOnlyList<Memory> ActiveMemoriesBefore(string kind, long beforeMs, int limit)
    {
        var cmd = Prepared("SELECT * FROM memories WHERE kind = $k AND lifecycle = 'active' AND created_ms < $t ORDER BY created_ms, id LIMIT $n",
            ("$k", kind), ("$t", beforeMs), ("$n", limit));
        using var r = cmd.ExecuteReader();
        var list = new List<Memory>();
        while (r.Read())
            list.Add(ReadMemory(r));
        return list;
    }

    public IReadOnlySet<string> KnownSourceKeys(IReadOnlyCollection<string> sourceKeys)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        if (_memoReads)
        {
            // The writer sees every put, so its filter's "no" is certain; only the "maybe"s go to the index.
            var filter = SourceKeys;
            sourceKeys = [.. sourceKeys.Where(filter.MayContain)];
        }
        if (sourceKeys.Count == 0)
            return known;
        var cmd = Prepared("SELECT source_key FROM memories WHERE source_key IN (SELECT value FROM json_each($k))", ("$k", JsonSerializer.Serialize(sourceKeys)));
        using var r = cmd.ExecuteReader();
        while (r.Read())
            known.Add(r.GetString(0));
        return known;
    }

    public IReadOnlyDictionary<string, Memory> GetMemories(IReadOnlyCollection<string> ids) =>
        MemoriesById("SELECT * FROM memories WHERE id IN (SELECT value FROM json_each($k))", ids, ReadMemory);

    private Dictionary<string, MemoryHead> ReadMemoryHeads(IReadOnlyCollection<string> ids) =>
        MemoriesById("SELECT id, kind, lifecycle, created_ms, nexus_keys FROM memories WHERE id IN (SELECT value FROM json_each($k))", ids,
            r => new MemoryHead(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), StringSet(r.GetString(4))));

    /// <summary>The rows of <paramref name="sql"/> (memories whose id, its first column, is in <c>$k</c>) in one query, keyed by id.</summary>
    private Dictionary<string, T> MemoriesById<T>(string sql, IReadOnlyCollection<string> ids, Func<SqliteDataReader, T> read)
    {
        var found = new Dictionary<string, T>(StringComparer.Ordinal);
        if (ids.Count == 0)
            return found;
        using var r = Prepared(sql, ("$k", JsonSerializer.Serialize(ids))).ExecuteReader();
        while (r.Read())
            found[r.GetString(0)] = read(r);
        return found;
    }

    /// <summary>A stored JSON array of strings (tags, nexus keys) as an ordinal set, read without the serializer's per-call setup.</summary>
    private static ImmutableSortedSet<string> StringSet(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        reader.Read();
        return OrdinalCollectionsConverterFactory.ReadStringSet(ref reader);
    }

    public IReadOnlyList<DedupeEntry> DedupeEntries(string channel, long fromMs, long toMs)
    {
        var cmd = Prepared("SELECT created_ms, content_hash, simhash, family FROM memory_dedupe WHERE channel = $c AND created_ms BETWEEN $f AND $t ORDER BY created_ms, id",
            ("$c", channel), ("$f", fromMs), ("$t", toMs));
        using var r = cmd.ExecuteReader();
        var list = new List<DedupeEntry>();
        while (r.Read())
            list.Add(new DedupeEntry(r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : ulong.Parse(r.GetString(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture), r.GetString(3)));
        return list;
    }

    public long KeyDegree(string key) =>
        Prepared("SELECT degree FROM nexus_degree WHERE key = $k", ("$k", key)).ExecuteScalar() is long d ? d : 0;

    public IReadOnlyList<string> Postings(string key, int limit)
    {
        var cmd = Prepared("SELECT memory_id FROM nexus WHERE key = $k ORDER BY created_ms DESC, memory_id LIMIT $n", ("$k", key), ("$n", limit));
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read())
            list.Add(r.GetString(0));
        return list;
    }

    private Dictionary<string, long> ReadKeyDegrees(IReadOnlyCollection<string> keys)
    {
        var degrees = keys.Distinct(StringComparer.Ordinal).ToDictionary(k => k, _ => 0L, StringComparer.Ordinal);
        if (degrees.Count == 0)
            return degrees;
        using var r = Prepared("SELECT d.key, d.degree FROM json_each($k) AS k JOIN nexus_degree AS d ON d.key = k.value",
            ("$k", JsonSerializer.Serialize(degrees.Keys))).ExecuteReader();
        while (r.Read())
            degrees[r.GetString(0)] = r.GetInt64(1);
        return degrees;
    }

    /// <summary>One statement for many keys: each key's newest postings come from its own range of the posting b-tree.</summary>
    private Dictionary<string, string[]> ReadPostingsOf(IReadOnlyCollection<string> keys, int limit)
    {
        var lists = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var distinct = keys.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count == 0)
            return lists;
        using var r = Prepared("""
            SELECT k.value, (SELECT json_group_array(memory_id ORDER BY created_ms DESC, memory_id)
                             FROM (SELECT memory_id, created_ms FROM nexus WHERE key = k.value ORDER BY created_ms DESC, memory_id LIMIT $n))
            FROM json_each($k) AS k
            """, ("$k", JsonSerializer.Serialize(distinct)), ("$n", limit)).ExecuteReader();
        while (r.Read())
            lists[r.GetString(0)] = JsonSerializer.Deserialize<string[]>(r.GetString(1)) ?? [];
        return lists;
    }

    public IReadOnlyList<ScoredId> VectorSearch(string model, string kind, ReadOnlySpan<float> query, int k) =>
        Vectors(model, kind, query.Length).Search(query, k);

    /// <summary>
    /// Memories matched by more words than this are what a keyword query costs: FTS5 computes bm25 for every row its
    /// query matches (~1.5 µs a row here), and a word in a tenth of 100k memories matches 10,000 of them.
    /// </summary>
    public const int KeywordRowBudget = 4_000;

    /// <summary>
    /// BM25 keyword search with the query cut to what it can afford (docs/memory.md, "Keyword search"): the query's
    /// words are taken rarest first while the memories they match add up to at most <see cref="KeywordRowBudget"/>,
    /// and only those are searched (OR). The words left out are each in thousands of memories, so they weigh least
    /// in bm25 (its idf falls with the number of memories a word is in). When even the rarest word is past the
    /// budget, the memories with every word are the hits (bm25 scores them as the OR would), and only when fewer
    /// than <paramref name="k"/> have them all does the OR of every word run.
    /// </summary>
    public IReadOnlyList<ScoredId> KeywordSearch(string text, int k)
    {
        var words = Core.Ingest.SimHash.Words(text).Distinct(StringComparer.Ordinal).Take(32).ToList();
        if (words.Count == 0 || k <= 0)
            return [];
        var known = DocumentFrequencies(words);
        var rare = new List<string>();
        long rows = 0;
        foreach (var (word, frequency) in known)
        {
            if (rows + frequency > KeywordRowBudget)
                break;
            rare.Add(word);
            rows += frequency;
        }
        if (rare.Count > 0)
            return Keyword(Phrases(rare, " OR "), k);
        if (known.Count == 0)
            return [];
        var common = known.Select(w => w.Word).ToList();
        var every = Keyword(Phrases(common, " AND "), k);
        return every.Count >= k || common.Count == 1 ? every : Keyword(Phrases(common, " OR "), k);
    }

    /// <summary>
    /// The words that occur in the keyword index with the number of memories each is in, rarest first (ties by word).
    /// Counted through MATCH so a word is tokenized exactly as the search will tokenize it. A count stops past the row
    /// budget: a word over it is never searched on its own, and the order among such words changes no result, so
    /// counting the rest of a common word's 10,000 rows (most of this method's time) bought nothing.
    /// </summary>
    private List<(string Word, long Frequency)> DocumentFrequencies(List<string> words)
    {
        if (!_memoReads)
            _frequencies.Clear();
        var missing = words.Where(w => !_frequencies.ContainsKey(w)).ToList();
        if (missing.Count > 0)
        {
            var cmd = Prepared("""
                SELECT w.value, (SELECT count(*) FROM (SELECT 1 FROM memories_fts WHERE memories_fts MATCH '"' || w.value || '"' LIMIT $cap)) AS n
                FROM json_each($w) w
                """, ("$w", JsonSerializer.Serialize(missing)), ("$cap", KeywordRowBudget + 1));
            using var r = cmd.ExecuteReader();
            if (_frequencies.Count + missing.Count > KeywordMemoEntries)
                _frequencies.Clear();
            while (r.Read())
                _frequencies[r.GetString(0)] = r.GetInt64(1);
        }
        // Rarest first, ties in SQLite's text order (UTF-8 bytes, i.e. code points), as the query used to sort them.
        return [.. words.Select(w => (Word: w, Frequency: _frequencies[w])).Where(w => w.Frequency > 0)
            .OrderBy(w => w.Frequency).ThenBy(w => System.Text.Encoding.UTF8.GetBytes(w.Word), Utf8Order.Instance)];
    }

    private sealed class Utf8Order : IComparer<byte[]>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }

    /// <summary>
    /// Keyword reads remembered until the memories change: each word's (capped) document frequency and each FTS
    /// query's top hits. A turn searches twice (the question, then the model's memory_search, usually in the same
    /// words) with no memory written in between. Any mem/put or mem/tombstone applied clears both, so a read gives
    /// what the tables hold, as a read of them would: a function of the journal like every store read.
    /// </summary>
    private readonly Dictionary<string, long> _frequencies = new(StringComparer.Ordinal);

    private readonly Dictionary<(string Match, int K), ScoredId[]> _keywordHits = [];

    private const int KeywordMemoEntries = 1_024;

    /// <summary>Only the writer remembers (keyword and graph reads): it sees every write, a read-only connection (another process's data dir) does not.</summary>
    private readonly bool _memoReads;

    private SourceKeyFilter? _sourceKeys;

    /// <summary>The writer's filter of stored source keys, read from the source index on first use, then kept by <see cref="PutMemory"/>.</summary>
    private SourceKeyFilter SourceKeys
    {
        get
        {
            if (_sourceKeys is not null)
                return _sourceKeys;
            var filter = new SourceKeyFilter();
            using (var r = Prepared("SELECT source_key FROM memories").ExecuteReader())
            {
                while (r.Read())
                    filter.Add(r.GetString(0));
            }
            return _sourceKeys = filter;
        }
    }

    /// <summary>
    /// Drops the remembered keyword reads, so the next ones go to the tables. Every memory write does this
    /// (<see cref="ForgetReads"/> drops the graph reads too).
    /// </summary>
    private void ForgetKeywordReads()
    {
        _frequencies.Clear();
        _keywordHits.Clear();
    }

    private static string Phrases(IEnumerable<string> words, string op) => string.Join(op, words.Select(w => "\"" + w + "\""));

    /// <summary>
    /// The top <paramref name="k"/> live matches of an FTS5 query. A query can match tens of thousands of memories;
    /// joining every match with the memories table cost far more than ranking them. So only the matches scoring at
    /// least the (2k)-th best are joined. That gives the same answer as joining all of them whenever k live memories
    /// are among those; otherwise (tombstones, or fewer matches than k) the plain query runs.
    /// </summary>
    private List<ScoredId> Keyword(string match, int k)
    {
        if (!_memoReads)
            _keywordHits.Clear();
        if (_keywordHits.TryGetValue((match, k), out var hits))
            return [.. hits];
        var list = Keyword(match, k, 2 * k);
        if (list.Count < k)
            list = Keyword(match, k, null);
        if (_keywordHits.Count >= KeywordMemoEntries)
            _keywordHits.Clear();
        _keywordHits[(match, k)] = [.. list];
        return list;
    }

    private List<ScoredId> Keyword(string match, int k, int? cut)
    {
        var cmd = cut is { } n
            ? Prepared("""
                WITH hits AS MATERIALIZED (SELECT rowid, -bm25(memories_fts) AS score FROM memories_fts WHERE memories_fts MATCH $q)
                SELECT m.id, h.score FROM hits h JOIN memories m ON m.rowid = h.rowid
                WHERE h.score >= (SELECT min(score) FROM (SELECT score FROM hits ORDER BY score DESC LIMIT $n)) AND m.lifecycle <> 'tombstoned'
                ORDER BY h.score DESC, m.id LIMIT $k
                """, ("$q", match), ("$n", n), ("$k", k))
            : Prepared("""
                SELECT m.id, -bm25(memories_fts) AS score FROM memories_fts JOIN memories m ON m.rowid = memories_fts.rowid
                WHERE memories_fts MATCH $q AND m.lifecycle <> 'tombstoned' ORDER BY score DESC, m.id LIMIT $k
                """, ("$q", match), ("$k", k));
        using var r = cmd.ExecuteReader();
        var list = new List<ScoredId>();
        while (r.Read())
            list.Add(new ScoredId(r.GetString(0), r.GetDouble(1)));
        return list;
    }

    public IReadOnlyList<DeferredJob> DeferredJobs(int limit)
    {
        var cmd = Prepared("SELECT dedupe_key, type, priority, payload, model, seq FROM deferred_jobs ORDER BY priority DESC, seq LIMIT $n", ("$n", limit));
        using var r = cmd.ExecuteReader();
        var list = new List<DeferredJob>();
        while (r.Read())
            list.Add(new DeferredJob(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetInt64(5)));
        return list;
    }

    public long DeferredJobCount => (long)Prepared("SELECT count(*) FROM deferred_jobs").ExecuteScalar()!;

    public IReadOnlyList<KindCount> MemoryKinds(long fromMs)
    {
        using var r = Prepared("SELECT kind, count(*) FROM memories WHERE created_ms >= $f GROUP BY kind ORDER BY kind", ("$f", fromMs)).ExecuteReader();
        var list = new List<KindCount>();
        while (r.Read())
            list.Add(new KindCount(r.GetString(0), r.GetInt64(1)));
        return list;
    }

    public IReadOnlyList<Memory> LatestOfKind(string kind, int limit)
    {
        using var r = Prepared("SELECT * FROM memories WHERE kind = $k ORDER BY created_ms DESC, id LIMIT $n", ("$k", kind), ("$n", limit)).ExecuteReader();
        var list = new List<Memory>();
        while (r.Read())
            list.Add(ReadMemory(r));
        return list;
    }

    /// <summary>Number of stored vectors of a model and kind.</summary>
    public int VectorCount(string model, string kind) =>
        (int)(long)Prepared("SELECT count(*) FROM vectors WHERE model = $m AND kind = $k", ("$m", model), ("$k", kind)).ExecuteScalar()!;

    /// <summary>Every stored vector of a model and kind, in memory id order (to build an HNSW index).</summary>
    public IEnumerable<(string Id, float[] Vector)> ReadVectors(string model, string kind)
    {
        using var cmd = Command("SELECT memory_id, data FROM vectors WHERE model = $m AND kind = $k ORDER BY memory_id", ("$m", model), ("$k", kind));
        using var r = cmd.ExecuteReader();
        while (r.Read())
            yield return (r.GetString(0), FromBlob((byte[])r.GetValue(1)));
    }

    /// <summary>The stored vectors of <paramref name="ids"/> (those that have one), for the exact index to rescore its candidates.</summary>
    private Dictionary<string, float[]> ReadVectors(string model, string kind, IReadOnlyList<string> ids)
    {
        var vectors = new Dictionary<string, float[]>(ids.Count, StringComparer.Ordinal);
        using var r = Prepared("""
            SELECT v.memory_id, v.data FROM json_each($ids) AS j
            JOIN vectors AS v ON v.memory_id = j.value AND v.model = $m AND v.kind = $k
            """, ("$ids", JsonSerializer.Serialize(ids)), ("$m", model), ("$k", kind)).ExecuteReader();
        while (r.Read())
            vectors[r.GetString(0)] = FromBlob(r.GetFieldValue<byte[]>(1));
        return vectors;
    }

    /// <summary>The exact index of a model and kind, loaded from the vectors table on first use and kept current by <c>vector/*</c> effects.</summary>
    private ExactVectorIndex Vectors(string model, string kind, int dims)
    {
        if (_vectors.TryGetValue((model, kind), out var index))
            return index;
        index = new ExactVectorIndex(dims, ids => ReadVectors(model, kind, ids));
        index.EnsureCapacity(VectorCount(model, kind));
        // Each row's blob goes through one buffer: a float[] per row would be 150 MB of garbage for 100k vectors,
        // and the process keeps the pages the collector grew into.
        var buffer = new byte[dims * sizeof(float)];
        using (var cmd = Command("SELECT memory_id, data FROM vectors WHERE model = $m AND kind = $k AND dim = $d", ("$m", model), ("$k", kind), ("$d", dims)))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                if (r.GetBytes(1, 0, buffer, 0, buffer.Length) == buffer.Length)
                    index.Upsert(r.GetString(0), System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(buffer.AsSpan()));
            }
        }
        _vectors[(model, kind)] = index;
        return index;
    }

    private static byte[] ToBlob(ReadOnlySpan<float> v) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(v).ToArray();

    private static float[] FromBlob(byte[] b) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(b).ToArray();

    public IReadOnlyList<Memory> AllMemories() => [.. ReadMemories()];

    /// <summary>Every memory in id order, read as the caller goes: a pass over a large store holds one row at a time.</summary>
    public IEnumerable<Memory> ReadMemories()
    {
        using var cmd = Command("SELECT * FROM memories ORDER BY id");
        using var r = cmd.ExecuteReader();
        while (r.Read())
            yield return ReadMemory(r);
    }

    /// <summary>SHA-256 over every memory row in id order: equal digests mean equal memory stores.</summary>
    public string MemoryDigest()
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var m in ReadMemories())
            hash.AppendData(CanonicalJson.Serialize(m));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private Memory? QueryMemory(string sql, string key)
    {
        using var r = Prepared(sql, ("$k", key)).ExecuteReader();
        return r.Read() ? ReadMemory(r) : null;
    }

    /// <summary>Reads a memory row; <c>original</c> is stored only when it differs from <c>text</c>.</summary>
    private static Memory ReadMemory(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? r.GetString(2) : r.GetString(3), r.GetString(4),
        CanonicalJson.Deserialize<ImmutableSortedDictionary<string, string>>(r.GetString(5)),
        StringSet(r.GetString(6)),
        StringSet(r.GetString(7)),
        r.GetString(8), r.GetInt64(9));

    // ---- the tick commit ---------------------------------------------------------------------

    /// <summary>
    /// Commits a tick atomically: its journal row, the store effects in order, external effects into
    /// the outbox, outcomes closing their outbox rows, the changed components and the cursors.
    /// </summary>
    public void Commit(TickCommit commit) =>
        Commit(commit.Previous, commit.Next, Task.FromResult(commit.Hash), commit.Cursors);

    /// <summary>
    /// Commits a tick whose world hash is still being computed elsewhere: the store effects, outbox rows and
    /// component rows are written while <paramref name="hash"/> runs, and the journal row, the one write that
    /// carries the hash, comes last in the same transaction. Nothing of the tick is written if either side fails.
    /// Returns the hash.
    /// <para>
    /// With <paramref name="hold"/>, the tick is written into a transaction left open for the ticks after it (group
    /// commit): it becomes durable with the first later tick committed without <paramref name="hold"/>, or at
    /// <see cref="Flush"/>. A crash before then loses the held ticks together, journal, store effects and cursors
    /// alike, so the store is left at an earlier tick, as consistent as after any crash. A failure rolls the whole
    /// group back the same way: the store then ends at the last tick committed without <paramref name="hold"/>, and
    /// the caller goes on from there (<c>Engine</c> resets its world to it). There are no savepoints per tick: one
    /// made SQLite copy every page a tick changed again into a statement journal, ~8% more bytes written. Readers on
    /// this connection see held ticks; other connections do not until the group commits.
    /// </para>
    /// </summary>
    public WorldHash Commit(World previous, World next, Task<WorldHash> hash, ImmutableSortedDictionary<string, long> cursors, bool hold = false)
    {
        if (!hold)
            _checkpointer?.Nudge();
        var world = next;
        _group ??= _db.BeginTransaction();
        _tx = _group;
        WorldHash done;
        try
        {
            ApplyStoreEffectsCore(world.Effects);

            foreach (var effect in world.Effects.Where(e => !e.IsStoreEffect))
            {
                Run("INSERT INTO outbox(effect_id, tick, type, payload, status) VALUES($id, $t, $type, $p, 'pending')",
                    ("$id", effect.Id), ("$t", world.Tick), ("$type", effect.Type), ("$p", Encoding.UTF8.GetString(CanonicalJson.SerializeEffect(effect))));
            }
            foreach (var outcome in world.EventsIn.OfType<IEffectOutcome>())
            {
                Run("UPDATE outbox SET status = 'done', outcome = $o WHERE effect_id = $id",
                    ("$id", outcome.EffectId), ("$o", ((Event)outcome).Type));
            }

            WriteWorldDiff(previous, world);
            foreach (var (name, value) in cursors)
            {
                Run("INSERT INTO cursors(name, value) VALUES($n, $v) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                    ("$n", name), ("$v", value));
            }
            done = hash.GetAwaiter().GetResult();
            Raw("INSERT INTO journal(tick, time_ms, events_in, world_hash, parts) VALUES(?1, ?2, ?3, ?4, ?5)")
                .Integer(1, world.Tick).Integer(2, world.TimeMs).Blob(3, EventsUtf8(world.EventsIn))
                .Text(4, done.Hex).Text(5, CanonicalJson.SerializeToString(done.Parts)).Run();
            if (_events.Capacity > MaxKeptEventsBuffer)
                _events = new ArrayBufferWriter<byte>(1 << 16);
        }
        catch
        {
            // The hash's own failure, if any, is not left unobserved when the store's is the one reported.
            hash.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            Abandon();
            throw;
        }
        if (!hold)
            Flush();
        return done;
    }

    /// <summary>Waits until no checkpoint of the write-ahead log runs (one starts beside a commit: see <c>WalCheckpointer</c>).</summary>
    public void WaitCheckpointed() => _checkpointer?.WaitIdle();

    /// <summary>True while ticks committed with <c>hold</c> wait in an open transaction for <see cref="Flush"/>.</summary>
    public bool HoldsTicks => _group is not null;

    /// <summary>Makes the held ticks durable: commits the open group transaction, if any.</summary>
    public void Flush()
    {
        if (_group is null)
            return;
        try
        {
            _group.Commit();
        }
        finally
        {
            Abandon();
        }
    }

    /// <summary>
    /// Lets go of the open transaction: rolls back the tick being written and any ticks held before it (after a
    /// commit, only lets go).
    /// </summary>
    private void Abandon()
    {
        _group?.Dispose();
        _group = null;
        _tx = null;
    }

    /// <summary>
    /// One step of merging the keyword index's segments, writing about <paramref name="pages"/> pages in a transaction
    /// of its own (FTS5's <c>merge</c> command: levels with at least 4 segments, as its automatic merging would).
    /// Returns false when there was nothing left to merge. Memories and search results do not change, only how the
    /// index is laid out; the engine calls this while no event waits.
    /// </summary>
    public bool MergeKeywordIndex(int pages)
    {
        var before = Scalar<long>("SELECT total_changes()");
        Prepared("INSERT INTO memories_fts(memories_fts, rank) VALUES('merge', $n)", ("$n", pages)).ExecuteNonQuery();
        return Scalar<long>("SELECT total_changes()") - before >= 2;
    }

    /// <summary>Applies store effects (<c>mem/put</c>, ...) in order. Replay calls this with journaled effects.</summary>
    public void ApplyStoreEffects(IEnumerable<Effect> effects)
    {
        using var tx = Begin();
        ApplyStoreEffectsCore(effects);
        tx.Commit();
    }

    /// <summary>
    /// Applies store effects in order: a run of consecutive <c>nexus/link</c> effects (ingest emits hundreds a tick)
    /// together, in the postings table's order; everything else one effect at a time.
    /// </summary>
    private void ApplyStoreEffectsCore(IEnumerable<Effect> effects)
    {
        var run = new List<Effect>();
        foreach (var effect in effects.Where(e => e.IsStoreEffect))
        {
            ForgetReadsChangedBy(effect);
            if (run.Count > 0 && run[0].GetType() != effect.GetType())
            {
                ApplyRun(run);
                run.Clear();
            }
            run.Add(effect);
        }
        ApplyRun(run);
    }

    private void ApplyRun(List<Effect> run)
    {
        switch (run)
        {
            case []:
                return;
            case [NexusLink, ..]:
                LinkAll(run);
                return;
        }
        foreach (var effect in run)
            Apply(effect);
    }

    private void Apply(Effect effect)
    {
        switch (effect)
        {
            case MemPut put:
                PutMemory(put.Memory);
                break;
            case VectorPut vp:
                PutVector(vp);
                break;
            case VectorDelete vd:
                DeleteVectors(vd.MemoryId);
                break;
            case MemTombstone t:
                Tombstone(t);
                break;
            case JobDefer d:
                Prepared("INSERT OR IGNORE INTO deferred_jobs(dedupe_key, type, priority, payload, model) VALUES($k, $t, $p, $m, $mo)",
                    ("$k", d.DedupeKey), ("$t", d.JobType), ("$p", d.Priority), ("$m", d.Payload), ("$mo", d.Model)).ExecuteNonQuery();
                break;
            case JobUndefer u:
                Prepared("DELETE FROM deferred_jobs WHERE dedupe_key = $k", ("$k", u.DedupeKey)).ExecuteNonQuery();
                break;
            default:
                throw new InvalidOperationException($"no store handler for store effect '{effect.Type}'");
        }
    }

    /// <summary>Retires a memory: lifecycle and summary link in its row, out of keyword search and the posting lists. Idempotent.</summary>
    private void Tombstone(MemTombstone t)
    {
        if (GetMemory(t.MemoryId) is not { } m || m.Lifecycle == Memory.Tombstoned)
            return;
        var rowid = (long)Prepared("UPDATE memories SET lifecycle = $l, source = $s WHERE id = $id RETURNING rowid",
            ("$l", Memory.Tombstoned), ("$s", CanonicalJson.SerializeToString(m.Source.SetItem("summary", t.SummaryId))), ("$id", m.Id)).ExecuteScalar()!;
        FtsDelete(rowid, m.Text);
        foreach (var key in m.NexusKeys)
        {
            var removed = Prepared("DELETE FROM nexus WHERE key = $k AND created_ms = $t AND memory_id = $m", ("$k", key), ("$t", m.CreatedMs), ("$m", m.Id)).ExecuteNonQuery();
            if (removed == 1)
            {
                Prepared("UPDATE nexus_degree SET degree = degree - 1 WHERE key = $k", ("$k", key)).ExecuteNonQuery();
                Prepared("DELETE FROM nexus_degree WHERE key = $k AND degree <= 0", ("$k", key)).ExecuteNonQuery();
            }
        }
    }

    private void PutVector(VectorPut vp)
    {
        var data = vp.Vector.AsSpan();
        Prepared("INSERT INTO vectors(memory_id, model, kind, dim, data) VALUES($m, $mo, $k, $d, $b) ON CONFLICT(memory_id, model, kind) DO UPDATE SET dim = excluded.dim, data = excluded.data",
            ("$m", vp.MemoryId), ("$mo", vp.Model), ("$k", vp.Kind), ("$d", data.Length), ("$b", ToBlob(data))).ExecuteNonQuery();
        if (_vectors.TryGetValue((vp.Model, vp.Kind), out var index) && index.Dimensions == data.Length)
            index.Upsert(vp.MemoryId, data);
    }

    private void DeleteVectors(string memoryId)
    {
        Prepared("DELETE FROM vectors WHERE memory_id = $m", ("$m", memoryId)).ExecuteNonQuery();
        foreach (var index in _vectors.Values)
            index.Remove(memoryId);
    }

    /// <summary>
    /// Stores a memory and keeps its keyword index and near-duplicate window current. The keyword index has external
    /// content (the memories table), so replacing a row first removes the old text's postings; a new row, the common
    /// case, costs one insert into each, through statements bound from the record.
    /// </summary>
    private void PutMemory(Memory m)
    {
        var original = string.Equals(m.Original, m.Text, StringComparison.Ordinal) ? null : m.Original;
        var insert = Raw("""
            INSERT INTO memories(id, kind, text, original, source_key, source, tags, nexus_keys, lifecycle, created_ms)
            VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT(id) DO NOTHING
            """);
        var inserted = insert.Text(1, m.Id).Text(2, m.Kind).Text(3, m.Text).Text(4, original).Text(5, m.SourceKey)
            .Utf8(6, CanonicalUtf8(m.Source)).Utf8(7, CanonicalUtf8(m.Tags)).Utf8(8, CanonicalUtf8(m.NexusKeys))
            .Text(9, m.Lifecycle).Integer(10, m.CreatedMs).Run() == 1;
        if (!inserted)
        {
            Replace(m, original);
        }
        else
        {
            _sourceKeys?.Add(m.SourceKey);
            if (m.Lifecycle != Memory.Tombstoned)
                FtsInsert(insert.LastRowId, m.Text);
        }
        WriteDedupeRow(m);
    }

    /// <summary>Updates an existing memory row in place: its old text leaves the keyword index, the new text enters it unless tombstoned.</summary>
    private void Replace(Memory m, string? original)
    {
        using (var r = Prepared("SELECT rowid, text, lifecycle FROM memories WHERE id = $id", ("$id", m.Id)).ExecuteReader())
        {
            r.Read();
            var (rowid, oldText, oldLifecycle) = (r.GetInt64(0), r.GetString(1), r.GetString(2));
            r.Close();
            if (oldLifecycle != Memory.Tombstoned)
                FtsDelete(rowid, oldText);
            if (m.Lifecycle != Memory.Tombstoned)
                FtsInsert(rowid, m.Text);
        }
        Raw("""
            UPDATE memories SET kind = ?2, text = ?3, original = ?4, source = ?5, tags = ?6, nexus_keys = ?7, lifecycle = ?8
            WHERE id = ?1
            """)
            .Text(1, m.Id).Text(2, m.Kind).Text(3, m.Text).Text(4, original).Utf8(5, CanonicalUtf8(m.Source)).Utf8(6, CanonicalUtf8(m.Tags))
            .Utf8(7, CanonicalUtf8(m.NexusKeys)).Text(8, m.Lifecycle).Run();
    }

    /// <summary>Adds a row's text to the external-content keyword index.</summary>
    private void FtsInsert(long rowid, string text) => Raw("INSERT INTO memories_fts(rowid, text) VALUES(?1, ?2)").Integer(1, rowid).Text(2, text).Run();

    /// <summary>Removes a row's postings from the external-content keyword index, which needs the text it indexed.</summary>
    private void FtsDelete(long rowid, string text) =>
        Prepared("INSERT INTO memories_fts(memories_fts, rowid, text) VALUES('delete', $r, $t)", ("$r", rowid), ("$t", text)).ExecuteNonQuery();

    private void WriteWorldDiff(World previous, World next)
    {
        foreach (var change in ComponentDiff.Changes(previous, next))
        {
            if (change.Component is null)
            {
                Run("DELETE FROM world_components WHERE tbl = $t AND entity = $e", ("$t", change.Table.Name), ("$e", change.Id.Value));
            }
            else
            {
                Run("INSERT INTO world_components(tbl, entity, json) VALUES($t, $e, $j) ON CONFLICT(tbl, entity) DO UPDATE SET json = excluded.json",
                    ("$t", change.Table.Name), ("$e", change.Id.Value), ("$j", CanonicalJson.Serialize(change.Component)));
            }
        }
        foreach (var (key, value) in new[] { ("tick", next.Tick), ("time_ms", next.TimeMs), ("next_entity_id", next.NextEntityId) })
        {
            Run("INSERT INTO world_meta(key, value) VALUES($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value", ("$k", key), ("$v", value));
        }
    }

    // ---- genesis, restore, snapshots ---------------------------------------------------------

    /// <summary>True when the store has a committed world (a genesis snapshot at least).</summary>
    public bool HasWorld => Scalar<long>("SELECT count(*) FROM snapshots") > 0;

    /// <summary>Records the world a run starts from, as snapshot 0 and as the current state, and the world-hash format its journal uses.</summary>
    public void WriteGenesis(World genesis)
    {
        using var tx = Begin();
        WriteSnapshot(genesis);
        WriteWorldDiff(World.Empty, genesis);
        Run("INSERT INTO world_meta(key, value) VALUES('hash_format', $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value", ("$v", WorldHash.Format));
        tx.Commit();
    }

    /// <summary>
    /// The world-hash format (<see cref="WorldHash.Format"/>) of the journal's tick hashes, recorded with the genesis. A
    /// store written before formats were recorded has format 1; a store with no world yet takes this build's.
    /// </summary>
    public int HashFormat => HasWorld ? (int)Math.Max(1, Meta("hash_format")) : WorldHash.Format;

    public void WriteSnapshot(World world)
    {
        using var cmd = Command("INSERT OR REPLACE INTO snapshots(tick, world) VALUES($t, $w)", ("$t", world.Tick), ("$w", SnapshotJson(world)));
        cmd.ExecuteNonQuery();
    }

    /// <summary>The snapshot at the greatest tick not after <paramref name="tick"/>.</summary>
    public World? ReadSnapshot(long tick = 0)
    {
        using var cmd = Command("SELECT world FROM snapshots WHERE tick <= $t ORDER BY tick DESC LIMIT 1", ("$t", tick));
        return cmd.ExecuteScalar() is string json ? ParseSnapshot(json) : null;
    }

    /// <summary>Loads the last committed world from the component tables.</summary>
    public World LoadWorld()
    {
        var world = World.Empty with
        {
            Tick = Meta("tick"),
            TimeMs = Meta("time_ms"),
            NextEntityId = Math.Max(1, Meta("next_entity_id")),
        };
        using var cmd = Command("SELECT tbl, entity, json FROM world_components ORDER BY tbl, entity");
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var table = ComponentTables.ByName(r.GetString(0));
            world = table.Set(world, new EntityId(r.GetInt64(1)), CanonicalJson.Deserialize(r.GetFieldValue<byte[]>(2), table.ComponentType));
        }
        return world;
    }

    /// <summary>
    /// The world as one canonical JSON object (<c>components</c> by table and entity id, then <c>nextEntityId</c>,
    /// <c>tick</c>, <c>timeMs</c>; every key in ordinal order). Written straight to one buffer, each component by the
    /// canonical serializer, whose output is already in key order: building a node tree first and sorting it took
    /// ~1.5 s and ~400 MB of garbage for a world with 100k memory mirrors, on the tick thread every
    /// <c>SnapshotEveryTicks</c>. A test holds it byte for byte to that tree's canonical form.
    /// </summary>
    public static string SnapshotJson(World world)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = CanonicalJson.Options.Encoder, SkipValidation = true }))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("components");
            writer.WriteStartObject();
            foreach (var table in ComponentTables.All.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                writer.WritePropertyName(table.Name);
                writer.WriteStartObject();
                // Entity ids are keys, so they sort as strings ("10" before "9"), as the canonical form sorts every key.
                foreach (var (id, component) in table.Entries(world).Select(e => (Id: e.Key.ToString(), e.Value)).OrderBy(e => e.Id, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(id);
                    JsonSerializer.Serialize(writer, component, table.ComponentType, CanonicalJson.Options);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
            writer.WriteNumber("nextEntityId", world.NextEntityId);
            writer.WriteNumber("tick", world.Tick);
            writer.WriteNumber("timeMs", world.TimeMs);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static World ParseSnapshot(string json)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        var world = World.Empty with
        {
            Tick = root["tick"]!.GetValue<long>(),
            TimeMs = root["timeMs"]!.GetValue<long>(),
            NextEntityId = root["nextEntityId"]!.GetValue<long>(),
        };
        foreach (var (name, entries) in root["components"]!.AsObject())
        {
            var table = ComponentTables.ByName(name);
            foreach (var (id, node) in entries!.AsObject())
                world = table.Set(world, EntityId.Parse(id), node.Deserialize(table.ComponentType, CanonicalJson.Options)!);
        }
        return world;
    }

    private long Meta(string key)
    {
        using var cmd = Command("SELECT value FROM world_meta WHERE key = $k", ("$k", key));
        return cmd.ExecuteScalar() is long v ? v : 0;
    }

    // ---- journal, outbox, cursors ------------------------------------------------------------

    public long LastTick => Scalar<long>("SELECT coalesce(max(tick), 0) FROM journal");

    public IEnumerable<JournalEntry> ReadJournal(long fromTick = 1)
    {
        using var cmd = Command("SELECT tick, time_ms, events_in, world_hash, parts FROM journal WHERE tick >= $t ORDER BY tick", ("$t", fromTick));
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            yield return new JournalEntry(r.GetInt64(0), r.GetInt64(1), ParseEvents(r.GetFieldValue<byte[]>(2)), r.GetString(3),
                CanonicalJson.Deserialize<ImmutableSortedDictionary<string, string>>(r.GetString(4)));
        }
    }

    public JournalEntry? ReadJournalEntry(long tick) => ReadJournal(tick).FirstOrDefault(e => e.Tick == tick);

    public IReadOnlyList<OutboxEntry> PendingOutbox()
    {
        using var cmd = Command("SELECT effect_id, tick, payload FROM outbox WHERE status = 'pending' ORDER BY tick, effect_id");
        using var r = cmd.ExecuteReader();
        var list = new List<OutboxEntry>();
        while (r.Read())
            list.Add(new OutboxEntry(r.GetString(0), r.GetInt64(1), CanonicalJson.DeserializeEffect(r.GetString(2))));
        return list;
    }

    public long PendingOutboxCount => Scalar<long>("SELECT count(*) FROM outbox WHERE status = 'pending'");

    public long Cursor(string name)
    {
        using var cmd = Command("SELECT value FROM cursors WHERE name = $n", ("$n", name));
        return cmd.ExecuteScalar() is long v ? v : 0;
    }

    /// <summary>
    /// A JSON array of the events' canonical UTF-8 bytes, the journal's <c>events_in</c>, in a buffer the store reuses
    /// (valid until the next call). Stored as those bytes (a blob; rows of older stores are text, read the same way): the
    /// events were serialized for the world hash already, so the journal costs a copy, not a second encoding. A new
    /// array each tick was a large-object allocation (~300 KB for 1k messages), and those brought on gen 2 collections.
    /// </summary>
    private ReadOnlySpan<byte> EventsUtf8(ImmutableArray<Event> events)
    {
        _events.ResetWrittenCount();
        _events.Write("["u8);
        for (var i = 0; i < events.Length; i++)
        {
            if (i > 0)
                _events.Write(","u8);
            _events.Write(CanonicalJson.SerializeEvent(events[i]));
        }
        _events.Write("]"u8);
        return _events.WrittenSpan;
    }

    public static ImmutableArray<Event> ParseEvents(ReadOnlyMemory<byte> json)
    {
        using var doc = JsonDocument.Parse(json);
        var events = ImmutableArray.CreateBuilder<Event>(doc.RootElement.GetArrayLength());
        foreach (var element in doc.RootElement.EnumerateArray())
            events.Add(CanonicalJson.EventFromElement(element));
        return events.MoveToImmutable();
    }

    // ---- plumbing ----------------------------------------------------------------------------

    private void Execute(string sql)
    {
        using var cmd = Command(sql);
        cmd.ExecuteNonQuery();
    }

    private T Scalar<T>(string sql)
    {
        using var cmd = Command(sql);
        return (T)Convert.ChangeType(cmd.ExecuteScalar()!, typeof(T), CultureInfo.InvariantCulture);
    }

    /// <summary>Runs a statement through a cached prepared command: the hot paths run thousands per tick.</summary>
    private void Run(string sql, params (string Name, object? Value)[] parameters) => Prepared(sql, parameters).ExecuteNonQuery();

    /// <summary>
    /// Starts a transaction that cached commands join; it is forgotten when disposed. Held ticks are committed first:
    /// a write of its own never joins their group.
    /// </summary>
    private Transaction Begin()
    {
        Flush();
        _tx = _db.BeginTransaction();
        return new Transaction(this, _tx);
    }

    private sealed class Transaction(SqliteStore store, SqliteTransaction tx) : IDisposable
    {
        public void Commit() => tx.Commit();

        public void Dispose()
        {
            tx.Dispose();
            store._tx = null;
        }
    }

    /// <summary>A command prepared once per store and reused: the hot paths of ingest and retrieval.</summary>
    private SqliteCommand Prepared(string sql, params (string Name, object? Value)[] parameters)
    {
        if (!_prepared.TryGetValue(sql, out var cmd))
        {
            cmd = _db.CreateCommand();
            cmd.CommandText = sql;
            foreach (var (name, _) in parameters)
                cmd.Parameters.Add(new SqliteParameter { ParameterName = name });
            _prepared[sql] = cmd;
        }
        cmd.Transaction = _tx;
        for (var i = 0; i < parameters.Length; i++)
            cmd.Parameters[i].Value = parameters[i].Value ?? DBNull.Value;
        return cmd;
    }

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    /// <summary>Closes the store. Ticks still held (<see cref="Flush"/> not called) are dropped, as a crash would drop them.</summary>
    public void Dispose()
    {
        Abandon();
        _checkpointer?.Dispose();
        foreach (var cmd in _prepared.Values)
            cmd.Dispose();
        foreach (var statement in _raw.Values)
            statement.Dispose();
        _jsonWriter.Dispose();
        foreach (var index in _vectors.Values)
            index.Dispose();
        _db.Dispose();
    }
}
