using System.Collections.Immutable;
using Promethean.Core.Effects;
using Promethean.Stores.Sqlite;

namespace Promethean.Core.Tests;

/// <summary>The store's batch reads and writes answer what their one-row-at-a-time forms did.</summary>
public sealed class SqliteStoreBatchTests
{
    private static Memory Chat(string id, string channel, long createdMs, string contentHash, string family, string simhash = "00000000000000ff") =>
        new(id, "discord.message", "text " + id, "text " + id, "discord:" + id,
            ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
            {
                ["channel"] = channel,
                ["contentHash"] = contentHash,
                ["family"] = family,
                ["simhash"] = simhash,
            }), [], [], "active", createdMs);

    [Fact]
    public void Commit_WhenTheHashBeingComputedFails_WritesNothingOfTheTick()
    {
        using var store = SqliteStore.InMemory();
        var genesis = World.Empty;
        store.WriteGenesis(genesis);
        var next = (genesis with { Tick = 1 }).Do(new MemPut(Chat("a", "1", 0, "h", "f")));

        Should.Throw<InvalidOperationException>(() =>
            store.Commit(genesis, next, Task.FromException<Serialization.WorldHash>(new InvalidOperationException("hash failed")), TickCommit.NoCursors));
        store.GetMemory("a").ShouldBeNull();
        store.ReadJournal().ShouldBeEmpty();

        // The same tick commits afterwards, hash and all.
        var hash = Serialization.WorldHash.Compute(next, genesis);
        store.Commit(genesis, next, Task.FromResult(hash), TickCommit.NoCursors).ShouldBe(hash);
        store.GetMemory("a").ShouldNotBeNull();
        store.ReadJournal().Single().WorldHash.ShouldBe(hash.Hex);
    }

    [Fact]
    public void ApplyStoreEffects_TwoMemoriesClaimingOneSource_FailsClearlyAndWritesNeither()
    {
        using var store = SqliteStore.InMemory();
        var a = Chat("a", "1", 0, "h1", "f");
        var b = Chat("b", "1", 10, "h2", "f") with { SourceKey = a.SourceKey };

        var error = Should.Throw<Microsoft.Data.Sqlite.SqliteException>(() => store.ApplyStoreEffects([new MemPut(a), new MemPut(b)]));
        error.Message.ShouldContain("UNIQUE constraint failed: memories.source_key");
        store.MemoryCount.ShouldBe(0);
        store.DedupeEntries("1", 0, 100).ShouldBeEmpty();

        // The store is usable afterwards.
        store.ApplyStoreEffects([new MemPut(a)]);
        Serialization.CanonicalJson.SerializeToString(store.GetMemory("a")!).ShouldBe(Serialization.CanonicalJson.SerializeToString(a));
    }

    [Fact]
    public void Link_SameMemoryTwiceAndSharedKeys_CountsEachLinkOnce()
    {
        using var store = SqliteStore.InMemory();
        store.ApplyStoreEffects([new NexusLink("m1", ["chan:1", "tag:ünïcode \"q\""], 10)]);
        store.ApplyStoreEffects([new NexusLink("m1", ["chan:1", "tag:ünïcode \"q\""], 10), new NexusLink("m2", ["chan:1"], 20)]);
        store.KeyDegree("chan:1").ShouldBe(2);
        store.KeyDegree("tag:ünïcode \"q\"").ShouldBe(1);
        store.Postings("chan:1", 10).ShouldBe(["m2", "m1"]);
        store.Postings("tag:ünïcode \"q\"", 10).ShouldBe(["m1"]);
    }

    [Fact]
    public void KeyDegreesAndPostingsOf_EqualOneKeyAtATime()
    {
        using var store = SqliteStore.InMemory();
        store.ApplyStoreEffects(
        [
            new NexusLink("m1", ["chan:1", "tag:a"], 10),
            new NexusLink("m2", ["chan:1"], 20),
            new NexusLink("m3", ["chan:1", "tag:a"], 20),
            new NexusLink("m4", ["tag:ünï \"q\""], 5),
        ]);
        string[] keys = ["chan:1", "tag:a", "tag:ünï \"q\"", "tag:none", "chan:1"];
        var degrees = store.KeyDegrees(keys);
        degrees.Keys.Order(StringComparer.Ordinal).ShouldBe(keys.Distinct().Order(StringComparer.Ordinal));
        foreach (var key in keys)
            degrees[key].ShouldBe(store.KeyDegree(key), key);
        var postings = store.PostingsOf(keys, 2);
        foreach (var key in keys)
            postings[key].ShouldBe(store.Postings(key, 2), key);
        postings["chan:1"].ShouldBe(["m2", "m3"]);
        postings["tag:none"].ShouldBeEmpty();
    }

    [Fact]
    public void KnownSourceKeysAndGetMemories_ReturnOnlyThoseStored()
    {
        using var store = SqliteStore.InMemory();
        store.ApplyStoreEffects([new MemPut(Chat("a", "1", 0, "h", "f")), new MemPut(Chat("b", "1", 0, "h2", "f"))]);
        store.KnownSourceKeys(["discord:a", "discord:x", "discord:b"]).Order(StringComparer.Ordinal).ShouldBe(["discord:a", "discord:b"]);
        store.KnownSourceKeys([]).ShouldBeEmpty();
        var found = store.GetMemories(["b", "nope"]);
        found.Keys.ShouldBe(["b"]);
        found["b"].Text.ShouldBe("text b");
    }

    [Fact]
    public void GetMemoryHeads_AreTheHeadsOfTheFullMemories_KeysWithEscapesIncluded()
    {
        using var store = SqliteStore.InMemory();
        var odd = Chat("c", "2", 30, "h3", "g") with
        {
            Tags = ImmutableSortedSet.Create(StringComparer.Ordinal, "tag:\"q\"", "tag:a\\b", "tag:\u0001\0", "tag:😀ünï"),
            NexusKeys = ImmutableSortedSet.Create(StringComparer.Ordinal, "tag:\"q\"", "chan:2", "tag:😀ünï", "Z", "a"),
            Lifecycle = Memory.Tombstoned,
        };
        store.ApplyStoreEffects([new MemPut(Chat("a", "1", 10, "h", "f")), new MemPut(odd)]);
        var heads = store.GetMemoryHeads(["a", "c", "nope"]);
        heads.Keys.Order(StringComparer.Ordinal).ShouldBe(["a", "c"]);
        var full = store.GetMemories(["a", "c"]);
        foreach (var id in new[] { "a", "c" })
        {
            heads[id].ShouldBe(MemoryHead.Of(full[id]) with { NexusKeys = heads[id].NexusKeys });
            heads[id].NexusKeys.ShouldBe(full[id].NexusKeys);
        }
        full["c"].Tags.ShouldBe(odd.Tags);
        heads["c"].NexusKeys.ShouldBe(odd.NexusKeys);
        heads["c"].NexusKeys.KeyComparer.ShouldBe(StringComparer.Ordinal);
        ((IStoreReader)store).GetMemoryHeads([]).ShouldBeEmpty();
    }

    [Fact]
    public void DedupeEntries_ChannelWindowInclusive_InTimeOrder()
    {
        using var store = SqliteStore.InMemory();
        store.ApplyStoreEffects(
        [
            new MemPut(Chat("c", "1", 300, "h3", "f2", simhash: "")),
            new MemPut(Chat("a", "1", 100, "h1", "f1")),
            new MemPut(Chat("b", "2", 200, "h2", "f1")),
            new MemPut(Chat("d", "1", 301, "h4", "f1")),
        ]);
        store.DedupeEntries("1", 100, 300).ShouldBe(
        [
            new DedupeEntry(100, "h1", 0xff, "f1"),
            new DedupeEntry(300, "h3", null, "f2"),
        ]);
    }
}
