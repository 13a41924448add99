using System.Collections.Immutable;
using System.Runtime.ExceptionServices;
using Promethean.Core;
using Promethean.Core.Components;
using Promethean.Core.Events;
using Promethean.Core.Serialization;
using Promethean.Core.Systems;

namespace Promethean.Runtime;

/// <summary>
/// The world hash of a tick on every core: the canonical bytes and hashes of the tick's inbound events are computed on
/// another core while the systems run (they are known when the tick begins and the systems do not need them), and the
/// hash's independent parts (each component table, events in and out, effects) are computed at once when the systems
/// are done. Core stays single-threaded and pure; the result is the hash <see cref="WorldHash.Compute"/> gives.
/// </summary>
public static class TickHashing
{
    /// <summary>Batches smaller than this are hashed in line: handing them to another core costs more than it saves.</summary>
    public const int PrehashMinEvents = 32;

    /// <summary>Starts hashing <paramref name="batch"/> on the thread pool (or does nothing for a small batch).</summary>
    public static Task StartPrehash(ImmutableArray<Event> batch) =>
        batch.Length < PrehashMinEvents ? Task.CompletedTask : Task.Run(() => WorldHash.Prehash(batch));

    /// <summary>
    /// Starts computing, on the thread pool, what a batch of events due in a later tick hashes to and what ingest derives
    /// from each message alone (<see cref="MemoryIngestSystem.Warm"/>), memoized on the events: a tick that then takes
    /// them finds the work done. Nothing waits for it, and nothing depends on it finishing: a tick computes whatever is
    /// not there yet, and an error here is left to the tick, which meets the same input and reports it. Small batches
    /// are left alone.
    /// </summary>
    public static void Warm(ImmutableArray<Event> batch, MemorySettings settings)
    {
        if (batch.Length < PrehashMinEvents)
            return;
        _ = Task.Run(() =>
        {
            WorldHash.Prehash(batch);
            MemoryIngestSystem.Warm(batch, settings);
        }).ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    /// <summary>
    /// Starts <see cref="Compute"/> on the thread pool when the tick is large enough to gain from it, so the store can
    /// write the tick meanwhile (<c>SqliteStore.Commit</c> takes the hash last); a small tick is hashed in line.
    /// </summary>
    public static Task<WorldHash> Start(World world, World? previous, Task prehash) =>
        world.EventsIn.Length + world.Effects.Length < PrehashMinEvents
            ? Task.FromResult(Compute(world, previous, prehash))
            : Task.Run(() => Compute(world, previous, prehash));

    /// <summary>
    /// The hash of <paramref name="world"/> (with the <paramref name="previous"/> tick's, only changed entries are
    /// hashed), once <paramref name="prehash"/> is done; its parts are computed in parallel.
    /// </summary>
    public static WorldHash Compute(World world, World? previous, Task prehash)
    {
        var parts = WorldHash.PartsOf(world, previous);
        var hexes = new KeyValuePair<string, string>[parts.Length];
        try
        {
            prehash.GetAwaiter().GetResult();
            Parallel.For(0, parts.Length, i => hexes[i] = new(parts[i].Name, parts[i].Compute()));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
        return WorldHash.Combine(hexes);
    }
}
