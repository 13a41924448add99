using System.Collections.Immutable;
using Microsoft.Data.Sqlite;
using Promethean.Core.Effects;
using Promethean.Stores.Sqlite;

namespace Promethean.Core.Tests;

/// <summary>
/// The memory store's layout: a run of puts and links written set-based equals the same effects
/// written one at a time, and a store of the first layout opens migrated with nothing lost.
/// </summary>
public sealed class SqliteStoreSchemaTests
{
    private static Memory Chat(string id, string text, long createdMs, string simhash = "00000000000000ff", string? original = null, string lifecycle = Memory.Active) =>
        new(id, "discord.message", text, original ?? text, "discord:" + id,
            ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
            {
                ["channel"] = "c1",
                ["contentHash"] = "hash-" + id,
                ["family"] = "fam-" + id,
                ["simhash"] = simhash,
            }), ["lang:en", "tag:ünï \"q\""], ["chan:c1", "author:" + id[..1]], lifecycle, createdMs);

    /// <summary>Texts that stress the write path: quotes, backslashes, controls, NUL, astral emoji, CJK, combining marks.</summary>
    private static readonly string[] Texts =
    [
        "plain words about the release freeze",
        "quote \" backslash \\ slash / tab \t newline \n done",
        "control \u0001\u001f and nul \0 inside",
        "emoji 🦆🚀 and cjk 漢字かな and e\u0301 combining",
        "<script>alert('x')</script> & ampersand",
        "   ",
    ];

    private static List<Effect> Puts()
    {
        var puts = new List<Effect>();
        for (var i = 0; i < Texts.Length; i++)
            puts.Add(new MemPut(Chat($"m{i}", Texts[i], 1000 + i, simhash: i % 2 == 0 ? "f0000000000000ff" : "")));
        puts.Add(new MemPut(Chat("o1", "normalized text", 2000, original: "Normalized   TEXT\r\n")));
        puts.Add(new MemPut(Chat("t1", "tombstoned words", 2001, lifecycle: Memory.Tombstoned)));
        puts.Add(new MemPut(Chat("m0", "replaced within the run", 1000)));
        return puts;
    }

    private static List<Effect> Links() =>
    [
        new NexusLink("m0", ["chan:c1", "tag:a"], 1000),
        new NexusLink("m1", ["chan:c1", "tag:ünï \"q\""], 1001),
        new NexusLink("m0", ["chan:c1", "tag:a"], 1000),
    ];

    /// <summary>Puts each effect in a run of its own, which takes the one-at-a-time path.</summary>
    private static List<Effect> OneByOne(IEnumerable<Effect> effects) =>
        [.. effects.SelectMany(e => new Effect[] { e, new JobUndefer("no-such-job") })];

    [Fact]
    public void ApplyStoreEffects_RunOfPutsAndLinks_EqualsOneAtATime()
    {
        using var batched = SqliteStore.InMemory();
        using var single = SqliteStore.InMemory();
        batched.ApplyStoreEffects([.. Puts(), .. Links()]);
        single.ApplyStoreEffects(OneByOne([.. Puts(), .. Links()]));

        batched.MemoryDigest().ShouldBe(single.MemoryDigest());
        batched.AllMemories().Count.ShouldBe(Texts.Length + 2);
        batched.GetMemory("m0")!.Text.ShouldBe("replaced within the run");
        batched.GetMemory("m2")!.Text.ShouldBe(Texts[2]);
        batched.GetMemory("m3")!.Text.ShouldBe(Texts[3]);
        batched.GetMemory("o1")!.Original.ShouldBe("Normalized   TEXT\r\n");
        batched.DedupeEntries("c1", 0, 10_000).ShouldBe(single.DedupeEntries("c1", 0, 10_000));
        batched.DedupeEntries("c1", 1002, 1002).Single().SimHash.ShouldBe(0xf0000000000000ffUL);
        batched.DedupeEntries("c1", 1001, 1001).Single().SimHash.ShouldBeNull();
        foreach (var query in new[] { "release freeze", "replaced", "emoji", "tombstoned words", "plain", "normalized" })
            batched.KeywordSearch(query, 10).ShouldBe(single.KeywordSearch(query, 10), query);
        batched.KeywordSearch("plain", 10).ShouldBeEmpty("m0's old text left the keyword index when it was replaced");
        batched.KeywordSearch("tombstoned", 10).ShouldBeEmpty();
        foreach (var key in new[] { "chan:c1", "tag:a", "tag:ünï \"q\"" })
        {
            batched.KeyDegree(key).ShouldBe(single.KeyDegree(key), key);
            batched.Postings(key, 10).ShouldBe(single.Postings(key, 10), key);
        }
        batched.KeyDegree("chan:c1").ShouldBe(2);
    }

    [Fact]
    public void ApplyStoreEffects_PutOfStoredMemory_ReplacesItsKeywordPostings()
    {
        using var store = SqliteStore.InMemory();
        store.ApplyStoreEffects([new MemPut(Chat("a", "alpha words", 1)), new MemPut(Chat("b", "beta words", 2))]);
        store.ApplyStoreEffects([new MemPut(Chat("a", "gamma words", 1)), new MemPut(Chat("c", "delta words", 3))]);
        store.KeywordSearch("alpha", 5).ShouldBeEmpty();
        store.KeywordSearch("gamma", 5).Select(h => h.Id).ShouldBe(["a"]);
        store.KeywordSearch("words", 5).Select(h => h.Id).Order(StringComparer.Ordinal).ShouldBe(["a", "b", "c"]);
    }

    /// <summary>
    /// The keyword index does not merge inside commits (automerge is off); merging it in steps, as the engine does while
    /// idle, does some work, ends, and changes no search result.
    /// </summary>
    [Fact]
    public void MergeKeywordIndex_AfterManyCommits_MergesInStepsAndChangesNoResult()
    {
        using var store = SqliteStore.InMemory();
        var words = new[] { "vault", "sync", "lock", "release", "freeze", "deploy", "backup", "cron" };
        for (var i = 0; i < 120; i++)
            store.ApplyStoreEffects([new MemPut(Chat($"m{i:000}", $"{words[i % 8]} {words[i * 3 % 8]} note {i}", i))]);
        string[] queries = ["vault", "sync lock", "release freeze deploy", "backup cron note", "note 7"];
        var before = queries.Select(q => store.KeywordSearch(q, 20)).ToList();

        var steps = 0;
        while (store.MergeKeywordIndex(8))
            (++steps).ShouldBeLessThan(10_000);
        steps.ShouldBeGreaterThan(0, "120 one-memory commits leave segments to merge");
        store.MergeKeywordIndex(8).ShouldBeFalse();
        store.ForgetReads();
        for (var i = 0; i < queries.Length; i++)
            store.KeywordSearch(queries[i], 20).ShouldBe(before[i], queries[i]);
    }

    [Fact]
    public void Open_Writer_TurnsTheKeywordIndexAutomaticMergingOff()
    {
        var dir = Directory.CreateTempSubdirectory("promethean-schema");
        try
        {
            var path = Path.Combine(dir.FullName, "promethean.db");
            SqliteStore.Open(path).Dispose();
            using var check = new SqliteConnection($"Data Source={path};Pooling=false");
            check.Open();
            using var read = check.CreateCommand();
            read.CommandText = "SELECT v FROM memories_fts_config WHERE k = 'automerge'";
            read.ExecuteScalar().ShouldBe(0L);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }

    /// <summary>The first layout, as sessions 1 and 2 wrote it (user_version 0).</summary>
    private const string FirstLayout = """
        CREATE TABLE memories(
            id TEXT PRIMARY KEY, kind TEXT NOT NULL, text TEXT NOT NULL, original TEXT NOT NULL,
            source_key TEXT NOT NULL, source TEXT NOT NULL, tags TEXT NOT NULL, nexus_keys TEXT NOT NULL,
            lifecycle TEXT NOT NULL, created_ms INTEGER NOT NULL);
        CREATE UNIQUE INDEX memories_source ON memories(source_key);
        CREATE INDEX memories_kind_age ON memories(kind, lifecycle, created_ms, id);
        CREATE TABLE memory_dedupe(
            id TEXT PRIMARY KEY, channel TEXT NOT NULL, content_hash TEXT NOT NULL, simhash INTEGER,
            family TEXT NOT NULL, created_ms INTEGER NOT NULL);
        CREATE INDEX memory_dedupe_time ON memory_dedupe(channel, created_ms, id);
        CREATE VIRTUAL TABLE memories_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
        CREATE TABLE nexus(
            key TEXT NOT NULL, memory_id TEXT NOT NULL, created_ms INTEGER NOT NULL, PRIMARY KEY(key, memory_id)) WITHOUT ROWID;
        CREATE INDEX nexus_recent ON nexus(key, created_ms DESC, memory_id);
        CREATE TABLE nexus_degree(key TEXT PRIMARY KEY, degree INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO memories VALUES('m1', 'discord.message', 'release freeze on friday', 'release freeze on friday', 'discord:1', '{"channel":"c1"}', '["lang:en"]', '["chan:c1"]', 'active', 100);
        INSERT INTO memories VALUES('m2', 'discord.message', 'old news', 'Old  News', 'discord:2', '{}', '[]', '[]', 'tombstoned', 200);
        INSERT INTO memories_fts(rowid, text) VALUES(1, 'release freeze on friday');
        INSERT INTO memory_dedupe VALUES('m1', 'c1', 'h1', -1, 'f1', 100);
        INSERT INTO memory_dedupe VALUES('m2', 'c1', 'h2', NULL, 'f2', 200);
        INSERT INTO nexus VALUES('chan:c1', 'm1', 100);
        INSERT INTO nexus_degree VALUES('chan:c1', 1);
        """;

    [Fact]
    public void Open_StoreOfFirstLayout_MigratesWithNothingLost()
    {
        var dir = Directory.CreateTempSubdirectory("promethean-schema");
        try
        {
            var path = Path.Combine(dir.FullName, "promethean.db");
            using (var legacy = new SqliteConnection($"Data Source={path};Pooling=false"))
            {
                legacy.Open();
                using var cmd = legacy.CreateCommand();
                cmd.CommandText = FirstLayout;
                cmd.ExecuteNonQuery();
            }

            using (var store = SqliteStore.Open(path))
            {
                store.GetMemory("m1")!.Text.ShouldBe("release freeze on friday");
                store.GetMemory("m1")!.Original.ShouldBe("release freeze on friday");
                store.GetMemory("m2")!.Original.ShouldBe("Old  News");
                store.KeywordSearch("freeze", 5).Select(h => h.Id).ShouldBe(["m1"]);
                store.KeywordSearch("news", 5).ShouldBeEmpty();
                store.DedupeEntries("c1", 0, 1000).ShouldBe([new DedupeEntry(100, "h1", ulong.MaxValue, "f1"), new DedupeEntry(200, "h2", null, "f2")]);
                store.Postings("chan:c1", 5).ShouldBe(["m1"]);
                store.KeyDegree("chan:c1").ShouldBe(1);

                store.ApplyStoreEffects([new MemPut(Chat("m3", "freeze again", 300)), new NexusLink("m3", ["chan:c1"], 300)]);
                store.KeywordSearch("freeze", 5).Select(h => h.Id).Order(StringComparer.Ordinal).ShouldBe(["m1", "m3"]);
                store.Postings("chan:c1", 5).ShouldBe(["m3", "m1"]);
            }
            using (var reopened = SqliteStore.Open(path))
                reopened.KeyDegree("chan:c1").ShouldBe(2);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }

    /// <summary>
    /// A store of version 2 kept its vectors WITHOUT ROWID (a 1.5 KB row was a leaf cell plus an overflow page); opening it
    /// rebuilds the table as a rowid table with every vector, and searches and updates work as before.
    /// </summary>
    [Fact]
    public void Open_StoreOfVersion2_RebuildsVectorsTableWithNothingLost()
    {
        var dir = Directory.CreateTempSubdirectory("promethean-schema");
        try
        {
            var path = Path.Combine(dir.FullName, "promethean.db");
            var random = new Random(7);
            float[] Vector() => [.. Enumerable.Range(0, 384).Select(_ => (float)(random.NextDouble() - 0.5))];
            var vectors = Enumerable.Range(0, 40).ToDictionary(i => $"m{i:00}", _ => Vector());
            var query = Vector();
            IReadOnlyList<ScoredId> before;
            using (var store = SqliteStore.Open(path))
            {
                store.ApplyStoreEffects([.. vectors.Select(p => (Effect)new VectorPut(p.Key, "mini", "canonical", [.. p.Value]))]);
                before = store.VectorSearch("mini", "canonical", query, 10);
            }
            using (var legacy = new SqliteConnection($"Data Source={path};Pooling=false"))
            {
                legacy.Open();
                using var cmd = legacy.CreateCommand();
                cmd.CommandText = """
                    ALTER TABLE vectors RENAME TO vectors_v3;
                    CREATE TABLE vectors(
                        memory_id TEXT NOT NULL, model TEXT NOT NULL, kind TEXT NOT NULL, dim INTEGER NOT NULL, data BLOB NOT NULL,
                        PRIMARY KEY(memory_id, model, kind)) WITHOUT ROWID;
                    INSERT INTO vectors SELECT memory_id, model, kind, dim, data FROM vectors_v3;
                    DROP TABLE vectors_v3;
                    PRAGMA user_version = 2;
                    """;
                cmd.ExecuteNonQuery();
            }

            using (var store = SqliteStore.Open(path))
            {
                store.VectorSearch("mini", "canonical", query, 10).ShouldBe(before);
                store.ApplyStoreEffects([new VectorPut("m00", "mini", "canonical", [.. query]), new VectorPut("new", "mini", "eidolon", [.. query])]);
                store.VectorSearch("mini", "canonical", query, 1).Single().Id.ShouldBe("m00");
                store.VectorSearch("mini", "eidolon", query, 5).Select(h => h.Id).ShouldBe(["new"]);
            }
            using var check = new SqliteConnection($"Data Source={path};Pooling=false");
            check.Open();
            using var read = check.CreateCommand();
            read.CommandText = "SELECT (SELECT sql FROM sqlite_schema WHERE name = 'vectors') || ' | ' || (SELECT count(*) FROM vectors) || ' | ' || (SELECT user_version FROM pragma_user_version)";
            var layout = (string)read.ExecuteScalar()!;
            layout.ShouldNotContain("WITHOUT ROWID");
            layout.ShouldEndWith(" | 41 | 3");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Open_StoreFromNewerVersion_FailsNamingTheVersion()
    {
        var dir = Directory.CreateTempSubdirectory("promethean-schema");
        try
        {
            var path = Path.Combine(dir.FullName, "promethean.db");
            using (var newer = new SqliteConnection($"Data Source={path};Pooling=false"))
            {
                newer.Open();
                using var cmd = newer.CreateCommand();
                cmd.CommandText = "PRAGMA user_version = 99;";
                cmd.ExecuteNonQuery();
            }
            Should.Throw<InvalidOperationException>(() => SqliteStore.Open(path).Dispose()).Message.ShouldContain("schema version 99");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }
}
