using System.Collections.Immutable;
using Microsoft.Data.Sqlite;
using Promethean.Core.Effects;
using Promethean.Core.Serialization;
using Promethean.Stores.Sqlite;

namespace Promethean.Core.Tests;

/// <summary>
/// Group commit (<c>Commit</c> with <c>hold</c>): held ticks are visible on the store's own connection at once, durable
/// and visible to other connections only when the group commits, and lost together (never in part) otherwise.
/// </summary>
public sealed class SqliteStoreGroupCommitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("promethean-group-").FullName;

    private string DbPath => Path.Combine(_dir, "p.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private static Memory Note(string id, long createdMs) =>
        new(id, "note", "text " + id, "text " + id, "test:" + id, ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal),
            [], [], "active", createdMs);

    /// <summary>The tick after <paramref name="previous"/>, writing one memory.</summary>
    private static World Next(World previous, string memory) =>
        (previous with { Tick = previous.Tick + 1, TimeMs = previous.TimeMs + 1000 }).Do(new MemPut(Note(memory, previous.TimeMs + 1000)));

    private static WorldHash CommitTick(SqliteStore store, World previous, World next, bool hold) =>
        store.Commit(previous, next, Task.FromResult(WorldHash.Compute(next, previous)), ImmutableSortedDictionary<string, long>.Empty.Add("script", next.Tick), hold);

    /// <summary>What another process would see: the journal's last tick and the script cursor, through a connection of its own.</summary>
    private (long Tick, long Cursor) Outside()
    {
        using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT coalesce((SELECT max(tick) FROM journal), 0), coalesce((SELECT value FROM cursors WHERE name = 'script'), 0)";
        using var r = cmd.ExecuteReader();
        r.Read();
        return (r.GetInt64(0), r.GetInt64(1));
    }

    [Fact]
    public void Commit_Held_IsVisibleHereAtOnceAndDurableWithTheFirstTickNotHeld()
    {
        using var store = SqliteStore.Open(DbPath);
        var genesis = World.Empty;
        store.WriteGenesis(genesis);
        var t1 = Next(genesis, "a");
        var t2 = Next(t1, "b");
        var t3 = Next(t2, "c");

        CommitTick(store, genesis, t1, hold: true);
        CommitTick(store, t1, t2, hold: true);
        store.HoldsTicks.ShouldBeTrue();
        store.ReadJournal().Select(j => j.Tick).ShouldBe([1L, 2L]);
        store.GetMemory("b").ShouldNotBeNull();
        store.Cursor("script").ShouldBe(2);
        Outside().ShouldBe((0, 0));

        CommitTick(store, t2, t3, hold: false);
        store.HoldsTicks.ShouldBeFalse();
        Outside().ShouldBe((3, 3));
    }

    [Fact]
    public void Flush_CommitsTheHeldTicks()
    {
        using var store = SqliteStore.Open(DbPath);
        store.WriteGenesis(World.Empty);
        var t1 = Next(World.Empty, "a");
        CommitTick(store, World.Empty, t1, hold: true);
        Outside().ShouldBe((0, 0));

        store.Flush();
        store.HoldsTicks.ShouldBeFalse();
        Outside().ShouldBe((1, 1));
        store.Flush(); // nothing held: nothing to do
        Outside().ShouldBe((1, 1));
    }

    [Fact]
    public void Commit_FailingInAGroup_RollsBackTheWholeGroupAndTheStoreGoesOn()
    {
        using var store = SqliteStore.Open(DbPath);
        store.WriteGenesis(World.Empty);
        var t1 = Next(World.Empty, "a");
        var t2 = Next(t1, "b");
        CommitTick(store, World.Empty, t1, hold: true);

        Should.Throw<InvalidOperationException>(() =>
            store.Commit(t1, t2, Task.FromException<WorldHash>(new InvalidOperationException("hash failed")), TickCommit.NoCursors, hold: true));

        store.HoldsTicks.ShouldBeFalse();
        store.ReadJournal().ShouldBeEmpty();
        store.GetMemory("a").ShouldBeNull();
        store.Cursor("script").ShouldBe(0);

        // The caller goes on from the last durable tick.
        CommitTick(store, World.Empty, t1, hold: false);
        Outside().ShouldBe((1, 1));
    }

    [Fact]
    public void Dispose_WithTicksHeld_DropsThemAsACrashWould()
    {
        var t1 = Next(World.Empty, "a");
        var t2 = Next(t1, "b");
        using (var store = SqliteStore.Open(DbPath))
        {
            store.WriteGenesis(World.Empty);
            CommitTick(store, World.Empty, t1, hold: false);
            CommitTick(store, t1, t2, hold: true);
        }
        using var reopened = SqliteStore.Open(DbPath);
        reopened.ReadJournal().Select(j => j.Tick).ShouldBe([1L]);
        reopened.GetMemory("a").ShouldNotBeNull();
        reopened.GetMemory("b").ShouldBeNull();
        reopened.LoadWorld().Tick.ShouldBe(1);
    }

    [Fact]
    public void Commit_AnotherWriteOfItsOwn_CommitsTheHeldTicksFirst()
    {
        using var store = SqliteStore.Open(DbPath);
        store.WriteGenesis(World.Empty);
        CommitTick(store, World.Empty, Next(World.Empty, "a"), hold: true);

        store.ApplyStoreEffects([new MemPut(Note("z", 5))]);

        store.HoldsTicks.ShouldBeFalse();
        Outside().ShouldBe((1, 1));
    }
}
