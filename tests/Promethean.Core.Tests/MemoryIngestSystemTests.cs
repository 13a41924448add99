using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Systems;
using Promethean.Stores.Sqlite;

namespace Promethean.Core.Tests;

public sealed class MemoryIngestSystemTests
{
    private static DiscordMessageNew Msg(string id, string text, bool bot = false) => new(id, "10", null, "u1", "ada", bot, text, 1000);

    [Fact]
    public void Update_DiscordMessage_StoresNormalizedTaggedMemory()
    {
        using var store = SqliteStore.InMemory();
        var next = MemoryIngestSystem.Update(TestWorld.Tick(World.Empty, 5, Msg("1", "  hello\r\n\r\n\r\nworld\t\t!  ")), store);
        var put = next.Effects.ShouldHaveSingleItem().ShouldBeOfType<MemPut>();
        put.Memory.Text.ShouldBe("hello\n\nworld !");
        put.Memory.Original.ShouldBe("  hello\r\n\r\n\r\nworld\t\t!  ");
        put.Memory.Tags.ShouldBe(["author:human", "source:discord"]);
        put.Memory.NexusKeys.ShouldBe(["author:u1", "chan:10"]);
        next.EventsOut.ShouldHaveSingleItem().ShouldBeOfType<MemoryCreated>().MemoryId.ShouldBe(put.Memory.Id);
        next.Memories.ShouldBeEmpty(); // memories live in the store, not as entities
    }

    [Fact]
    public void Update_SameMessageIdTwice_RejectsAndCounts()
    {
        using var store = SqliteStore.InMemory();
        var first = MemoryIngestSystem.Update(TestWorld.Tick(World.Empty, 1, Msg("1", "a"), Msg("1", "a")), store);
        first.Effects.Length.ShouldBe(1);
        store.ApplyStoreEffects(first.Effects);

        var second = MemoryIngestSystem.Update(TestWorld.Tick(first, 2, Msg("1", "a")), store);
        second.Effects.ShouldBeEmpty();
        DebugStatsSystem.CountersOf(second)["ingest.rejected.source-id"].ShouldBe(2);
    }

    [Fact]
    public void Update_ImportedMessage_IsTheMemoryTheLiveOneWouldBe_AndTheLiveOneLaterIsItsDuplicate()
    {
        using var live = SqliteStore.InMemory();
        using var store = SqliteStore.InMemory();
        var expected = MemoryIngestSystem.Update(TestWorld.Tick(World.Empty, 5, Msg("1", "the vault sync moved to a #nightly job")), live)
            .Effects.ShouldHaveSingleItem().ShouldBeOfType<MemPut>().Memory;

        var imported = MemoryIngestSystem.Update(TestWorld.Tick(World.Empty, 5, new DiscordMessageImported(Msg("1", "the vault sync moved to a #nightly job"))), store);
        // Records compare collections by reference: compare the canonical bytes.
        var memory = imported.Effects.ShouldHaveSingleItem().ShouldBeOfType<MemPut>().Memory;
        Serialization.CanonicalJson.SerializeToString(memory).ShouldBe(Serialization.CanonicalJson.SerializeToString(expected));
        store.ApplyStoreEffects(imported.Effects);

        var later = MemoryIngestSystem.Update(TestWorld.Tick(imported, 6, Msg("1", "the vault sync moved to a #nightly job")), store);
        later.Effects.ShouldBeEmpty();
        DebugStatsSystem.CountersOf(later)["ingest.rejected.source-id"].ShouldBe(1);
    }

    [Fact]
    public void Update_EmptyContent_StoresNothing()
    {
        using var store = SqliteStore.InMemory();
        MemoryIngestSystem.Update(TestWorld.Tick(World.Empty, 1, Msg("1", "   ")), store).Effects.ShouldBeEmpty();
    }

    [Fact]
    public void Update_FileCreated_ReadsItThenStoresANote()
    {
        using var store = SqliteStore.InMemory();
        var read = MemoryIngestSystem.Update(TestWorld.Tick(World.Empty, 1, new FsFileCreated("docs/notes/a.md", "h1", 3)), store);
        var fsRead = read.Effects.ShouldHaveSingleItem().ShouldBeOfType<FsRead>();
        fsRead.Path.ShouldBe("docs/notes/a.md");

        var result = new FsReadResult(fsRead.Id, "docs/notes/a.md", "# A\n", "h1") { Meta = fsRead.Meta };
        var stored = MemoryIngestSystem.Update(TestWorld.Tick(read, 2, result), store);
        var memory = stored.Effects.ShouldHaveSingleItem().ShouldBeOfType<MemPut>().Memory;
        memory.Kind.ShouldBe("note");
        memory.NexusKeys.ShouldBe(["dir:docs/notes", "path:docs/notes/a.md"]);
    }

    [Fact]
    public void Update_KnownFileVersion_IsNotReadAgain()
    {
        using var store = SqliteStore.InMemory();
        var w = MemoryIngestSystem.Update(TestWorld.Tick(World.Empty, 1, new FsFileCreated("n/a.md", "h1", 3)), store);
        var fsRead = (FsRead)w.Effects[0];
        w = MemoryIngestSystem.Update(TestWorld.Tick(w, 2, new FsReadResult(fsRead.Id, "n/a.md", "x", "h1") { Meta = fsRead.Meta }), store);
        store.ApplyStoreEffects(w.Effects);
        MemoryIngestSystem.Update(TestWorld.Tick(w, 3, new FsFileModified("n/a.md", "h1", 3)), store).Effects.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("a\r\nb", "a\nb")]
    [InlineData("  a   b  ", "a b")]
    [InlineData("a\n\n\n\nb", "a\n\nb")]
    [InlineData("e\u0301", "\u00e9")]
    [InlineData("", "")]
    public void Normalize_Cases(string input, string expected) => TextNormalizer.Normalize(input).ShouldBe(expected);
}
