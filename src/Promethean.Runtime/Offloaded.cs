namespace Promethean.Runtime;

/// <summary>
/// Work handed to the thread pool that never holds its consumer back: <see cref="Offloaded{T}.Result"/> waits for it if a pool
/// thread has begun it, and otherwise runs it on the calling thread (the queued item then does nothing). The tick
/// thread hands hashing to the other core this way, so a pool busy with other work costs the overlap, not a stall.
/// </summary>
public static class Offloaded
{
    /// <summary>Queues <paramref name="work"/> on the thread pool.</summary>
    public static Offloaded<T> Start<T>(Func<T> work)
    {
        var offloaded = new Offloaded<T>(work);
        ThreadPool.UnsafeQueueUserWorkItem(static o => o.Run(), offloaded, preferLocal: false);
        return offloaded;
    }

    /// <summary>A result already known (work too small to hand off).</summary>
    public static Offloaded<T> Done<T>(T value) => new(value);
}

/// <summary>Work handed to the thread pool by <see cref="Offloaded.Start"/>; see <see cref="Offloaded"/>.</summary>
public sealed class Offloaded<T>
{
    private readonly Func<T>? _work;
    private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _claimed;

    internal Offloaded(Func<T> work) => _work = work;

    internal Offloaded(T value)
    {
        _claimed = 1;
        _result.SetResult(value);
    }

    /// <summary>The work's result, or its exception rethrown.</summary>
    public T Result()
    {
        Run();
        return _result.Task.GetAwaiter().GetResult();
    }

    internal void Run()
    {
        if (Interlocked.Exchange(ref _claimed, 1) != 0)
            return;
        try
        {
            _result.SetResult(_work!());
        }
        catch (Exception e)
        {
            _result.SetException(e);
        }
    }
}
