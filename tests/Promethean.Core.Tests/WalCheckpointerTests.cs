using Microsoft.Data.Sqlite;
using Promethean.Stores.Sqlite;

namespace Promethean.Core.Tests;

/// <summary>
/// Checkpoints start beside a commit (a nudge), at most once per interval, and after the last commit of a burst; a
/// tick waits for one to end. Observed through the database file, which grows only when a checkpoint copies the log
/// into it.
/// </summary>
public sealed class WalCheckpointerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "promethean-ckpt-" + Guid.NewGuid().ToString("N"));

    public WalCheckpointerTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A writer in WAL mode whose own automatic checkpoint is off, so only the checkpointer moves pages.</summary>
    private static SqliteConnection Writer(string path)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        db.Open();
        Execute(db, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE IF NOT EXISTS t(x BLOB);");
        return db;
    }

    private static void Execute(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Commits ~400 KB into the log.</summary>
    private static void WriteRows(SqliteConnection db) => Execute(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) INSERT INTO t SELECT randomblob(4000) FROM n;");

    [Fact]
    public void Nudge_WhenDue_CheckpointsBesideTheCommit_AndWaitIdleWaitsForIt()
    {
        var path = Path.Combine(_dir, "a.db");
        using var db = Writer(path);
        using var checkpointer = new WalCheckpointer(path, TimeSpan.FromMilliseconds(50));
        Thread.Sleep(100); // the interval has passed since the checkpointer started
        var before = new FileInfo(path).Length;
        WriteRows(db);
        Thread.Sleep(300);
        new FileInfo(path).Length.ShouldBe(before, "no commit said it started: nothing checkpoints");

        checkpointer.Nudge();
        checkpointer.WaitIdle();
        new FileInfo(path).Length.ShouldBeGreaterThan(before + 300_000, "the nudge's checkpoint copied the log, and WaitIdle waited for it");
    }

    [Fact]
    public void Nudge_WithinTheInterval_WaitsForTheIntervalWithoutACommit_ThenCheckpoints()
    {
        var path = Path.Combine(_dir, "b.db");
        using var db = Writer(path);
        using var checkpointer = new WalCheckpointer(path, TimeSpan.FromMilliseconds(400));
        var before = new FileInfo(path).Length;
        WriteRows(db);
        checkpointer.Nudge(); // within 400 ms of the checkpointer's start: not due
        checkpointer.WaitIdle();
        new FileInfo(path).Length.ShouldBe(before, "a nudge within the interval starts nothing");

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (new FileInfo(path).Length <= before && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        new FileInfo(path).Length.ShouldBeGreaterThan(before + 300_000, "the last commit's pages are checkpointed once the interval passes without another");
    }

    [Fact]
    public void Store_Commit_NudgesTheCheckpointer_AndWaitCheckpointedWaitsForIt()
    {
        var path = Path.Combine(_dir, "c.db");
        using var store = SqliteStore.Open(path);
        var world = World.Empty.Spawn(out var id);
        world = world with { Jobs = world.Jobs.Add(id, new Components.Job(Components.Job.EmbedCanonical, 0, Components.JobStatus.Pending, new string('k', 200_000), "")) };
        store.WriteGenesis(world); // ~200 KB in the log, and no commit yet: nothing checkpoints it
        Thread.Sleep(400);
        var before = new FileInfo(path).Length;
        var next = Schedule.BeginTick(world, 1000, []);
        store.Commit(new TickCommit(world, next, Serialization.WorldHash.Compute(next, world), TickCommit.NoCursors));
        store.WaitCheckpointed();
        new FileInfo(path).Length.ShouldBeGreaterThan(before + 150_000, "the commit started a checkpoint of the genesis' pages, and the wait waited for it");
    }
}
