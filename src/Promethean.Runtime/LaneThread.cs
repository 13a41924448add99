using System.Collections.Concurrent;
using System.Diagnostics;

namespace Promethean.Runtime;

/// <summary>
/// The tick's second core: one background thread that runs the hash lanes' pieces and the warming of upcoming events,
/// in the order they are posted. It spins for <see cref="SpinFor"/> after its last piece before it blocks, and the
/// tick waits for it by spinning (<see cref="SpinUntil"/>), because on a 2-vCPU virtual machine (this project's CI
/// and bench machine) a blocked thread is slow to wake. Measured with a thread that goes on working after it wakes
/// another: the woken thread ran after p50 2.2 ms and p99 3.1 ms when the scheduler queued it on the waker's busy
/// core, and after p50 0.13-0.19 ms, p90 1-1.7 ms and p99 2.8 ms when pinned to the other, halted vCPU. A thread-pool
/// chain of continuations paid that at each of a tick's pieces. Between bursts of ticks the thread sleeps: no busy
/// loop when idle. A piece must not throw; one that does is a bug and ends the process.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "One per process, for its lifetime: its thread never ends.")]
internal sealed class LaneThread
{
    /// <summary>How long the thread spins for more work after a piece, and the tick for a lane, before blocking.</summary>
    public static readonly TimeSpan SpinFor = TimeSpan.FromMilliseconds(20);

    public static LaneThread Shared { get; } = new();

    private readonly ConcurrentQueue<Action> _queue = new();
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 1);

    /// <summary>1 while the thread is blocked (or about to block) on <see cref="_wake"/>.</summary>
    private int _sleeping;

    private LaneThread()
    {
        new Thread(Loop) { IsBackground = true, Name = "hash-lane" }.Start();
    }

    /// <summary>Queues <paramref name="piece"/>, which must not throw (a piece catches its own errors).</summary>
    public void Post(Action piece)
    {
        _queue.Enqueue(piece);
        if (Volatile.Read(ref _sleeping) == 1)
            _wake.Set();
    }

    /// <summary>Queues <paramref name="work"/> and returns its result; the task's continuations run elsewhere, never on this thread.</summary>
    public Task<T> Run<T>(Func<T> work)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            try
            {
                result.SetResult(work());
            }
            catch (Exception e)
            {
                result.SetException(e);
            }
        });
        return result.Task;
    }

    private void Loop()
    {
        var idleSince = Stopwatch.GetTimestamp();
        var spins = 0;
        while (true)
        {
            if (_queue.TryDequeue(out var piece))
            {
                piece();
                idleSince = Stopwatch.GetTimestamp();
                continue;
            }
            if (Stopwatch.GetElapsedTime(idleSince) < SpinFor)
            {
                Pause(ref spins);
                continue;
            }
            _wake.Reset();
            // A full fence between saying so and looking again: a piece posted meanwhile either is seen here or sees
            // the flag and sets the event.
            Interlocked.Exchange(ref _sleeping, 1);
            if (_queue.IsEmpty)
                _wake.Wait();
            Volatile.Write(ref _sleeping, 0);
            idleSince = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>
    /// Waits until <paramref name="done"/> holds, spinning for up to <see cref="SpinFor"/> and then polling every
    /// millisecond: a lane is expected to finish within a millisecond or two of the systems, and a blocked tick thread
    /// pays its wake-up (see the class summary).
    /// </summary>
    public static void SpinUntil(Func<bool> done)
    {
        var started = Stopwatch.GetTimestamp();
        var spins = 0;
        while (!done())
        {
            if (Stopwatch.GetElapsedTime(started) < SpinFor)
                Pause(ref spins);
            else
                Thread.Sleep(1);
        }
    }

    /// <summary>A short pause (~1 µs) that gives the core to another runnable thread every 16th time: tests run many engines on two cores.</summary>
    private static void Pause(ref int spins)
    {
        if (++spins % 16 == 0)
            Thread.Yield();
        else
            Thread.SpinWait(64);
    }
}
