using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Promethean.Stores.Sqlite;

/// <summary>
/// Moves committed pages from the write-ahead log into the database file on a thread of its own,
/// through a second connection, so the tick loop never pays for a checkpoint (copying pages and the
/// fsync) inside a commit. A PASSIVE checkpoint never blocks the writer; the writer's own automatic
/// checkpoint stays on at a high mark as a backstop should this thread fall behind.
/// <para>
/// A checkpoint starts when a commit does (<see cref="Nudge"/>), at most once per interval, so it copies pages and
/// syncs while the commit writes; the engine waits for it (<see cref="WaitIdle"/>) before the next tick's systems
/// run. After the last commit of a burst, it runs once the interval has passed without one. Run on a timer of its
/// own, a checkpoint's writes and fsyncs fell on ticks at random: in the tick bench (1k events a tick, 100 sessions
/// rewritten each tick) tick p99 was 6.5-7.9 ms with it and 3.0-4.0 ms with the tick waiting for it, and 2.7-4.3 ms
/// with checkpoints that did not fsync (which would risk the database on a power loss, so they do).
/// </para>
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Thread _thread;
    private readonly ManualResetEvent _stop = new(false);
    private readonly AutoResetEvent _nudged = new(false);
    private readonly ManualResetEventSlim _idle = new(true);
    private readonly TimeSpan _every;
    private long _last = Stopwatch.GetTimestamp();
    private long _lastNudge;

    /// <summary>1 while the thread waits for a commit with no timeout.</summary>
    private int _waitingForCommit;

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

    /// <summary>
    /// Says a commit is starting: when the interval has passed since the last checkpoint, one starts now, beside it, and
    /// <see cref="WaitIdle"/> waits for it from now on.
    /// </summary>
    public void Nudge()
    {
        var now = Stopwatch.GetTimestamp();
        // Full fences on both sides (here and in Loop): a thread about to wait for a commit sees this one, or is woken.
        Interlocked.Exchange(ref _lastNudge, now);
        if (Stopwatch.GetElapsedTime(Volatile.Read(ref _last), now) >= _every)
        {
            _idle.Reset();
            _nudged.Set();
        }
        else if (Volatile.Read(ref _waitingForCommit) == 1)
        {
            // The thread waits for a commit with no timeout: it now has one to time the interval from.
            _nudged.Set();
        }
    }

    /// <summary>Waits until no checkpoint runs: a tick waits for one to end rather than run beside its writes and fsyncs.</summary>
    public void WaitIdle() => _idle.Wait();

    private void Loop()
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        WaitHandle[] handles = [_stop, _nudged];
        while (true)
        {
            // Wait for a due commit; after the last commit of a burst, for the interval to pass without one.
            Interlocked.Exchange(ref _waitingForCommit, 1);
            var committedSince = Volatile.Read(ref _lastNudge) > Volatile.Read(ref _last);
            if (committedSince)
                Volatile.Write(ref _waitingForCommit, 0);
            var signalled = WaitHandle.WaitAny(handles, committedSince
                ? Max(_every - Stopwatch.GetElapsedTime(Volatile.Read(ref _lastNudge)), TimeSpan.Zero)
                : Timeout.InfiniteTimeSpan);
            Volatile.Write(ref _waitingForCommit, 0);
            if (signalled == 0)
            {
                _idle.Set(); // a nudge may have marked a checkpoint running that will not run now
                return;
            }
            var due = signalled == 1
                ? Stopwatch.GetElapsedTime(Volatile.Read(ref _last)) >= _every
                : Stopwatch.GetElapsedTime(Volatile.Read(ref _lastNudge)) >= _every;
            if (!due)
                continue;
            _idle.Reset();
            try
            {
                cmd.ExecuteNonQuery();
            }
            catch (SqliteException)
            {
                // Busy or locked: the next round tries again, and the writer's backstop bounds the log meanwhile.
            }
            Volatile.Write(ref _last, Stopwatch.GetTimestamp());
            _idle.Set();
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        _db.Dispose();
        _stop.Dispose();
        _nudged.Dispose();
        _idle.Dispose();
    }
}
