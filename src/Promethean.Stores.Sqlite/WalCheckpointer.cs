using Microsoft.Data.Sqlite;

namespace Promethean.Stores.Sqlite;

/// <summary>
/// Moves committed pages from the write-ahead log into the database file on a thread of its own,
/// through a second connection, so the tick loop never pays for a checkpoint (copying pages and the
/// fsync) inside a commit. A PASSIVE checkpoint never blocks the writer; the writer's own automatic
/// checkpoint stays on at a high mark as a backstop should this thread fall behind.
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new();
    private readonly TimeSpan _every;

    public WalCheckpointer(string path, TimeSpan every)
    {
        _every = every;
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _db.Open();
        using (var cmd = _db.CreateCommand())
        {
            cmd.CommandText = "PRAGMA busy_timeout=5000;";
            cmd.ExecuteNonQuery();
        }
        _thread = new Thread(Loop) { IsBackground = true, Name = "sqlite-checkpoint", Priority = ThreadPriority.BelowNormal };
        _thread.Start();
    }

    private void Loop()
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        while (!_stop.Wait(_every))
        {
            try
            {
                cmd.ExecuteNonQuery();
            }
            catch (SqliteException)
            {
                // Busy or locked: the next round tries again, and the writer's backstop bounds the log meanwhile.
            }
        }
    }

    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        _db.Dispose();
        _stop.Dispose();
    }
}
