using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.ExceptionServices;
using Promethean.Core;
using Promethean.Core.Components;
using Promethean.Core.Events;
using Promethean.Core.Serialization;
using Promethean.Core.Systems;

namespace Promethean.Runtime;

/// <summary>
/// The world hash of a tick on every core: the tick's inbound events, then what each system changed, are hashed on
/// another core while the systems run (<see cref="HashLane"/>), and what is left when they are done.
/// Core stays single-threaded and pure; the result is the hash <see cref="WorldHash.Compute"/> gives.
/// </summary>
public static class TickHashing
{
    /// <summary>Batches smaller than this are hashed in line: handing them to another core costs more than it saves.</summary>
    public const int PrehashMinEvents = 32;

    /// <summary>
    /// Starts a <see cref="HashLane"/> for a tick whose inbound events are <paramref name="batch"/>: it hashes them
    /// first, then what each system hands it. A small batch gets an idle lane (its tick is hashed in line).
    /// </summary>
    public static HashLane StartLane(ImmutableArray<Event> batch) => new(batch);

    /// <summary>
    /// Queues on the <see cref="LaneThread"/>, after what it was given before (this tick's hash), the computing of what
    /// a batch of events due in a later tick hashes to and what ingest derives from each message alone
    /// (<see cref="MemoryIngestSystem.Warm"/>), memoized on the events: a tick that then takes them finds the work
    /// done. The warming runs while the tick's commit finishes. The returned task ends when the warming does, however
    /// it ends (an error here is left to the tick, which meets the same input and reports it): the tick that takes the
    /// batch waits for it (<see cref="WaitWarmed"/>) rather than start beside it, as the daemon's inbound writer warms
    /// an event before a tick can take it. Small batches are left alone.
    /// </summary>
    public static Task Warm(ImmutableArray<Event> batch, MemorySettings settings)
    {
        if (batch.Length < PrehashMinEvents)
            return Task.CompletedTask;
        return LaneThread.Shared.Run(() =>
        {
            try
            {
                WorldHash.Prehash(batch);
                MemoryIngestSystem.Warm(batch, settings);
            }
            catch (Exception)
            {
                // Left unmemoized: the tick that takes the batch meets the same input and reports it.
            }
            return true;
        });
    }

    /// <summary>
    /// Waits for a batch's warming (<see cref="Warm"/>) before its tick starts, spinning (<see cref="LaneThread.SpinUntil"/>).
    /// The tick would otherwise do the same work beside it, on a third thread competing for two cores with the tick's
    /// systems and its hash lane.
    /// </summary>
    public static void WaitWarmed(Task warming)
    {
        ArgumentNullException.ThrowIfNull(warming);
        LaneThread.SpinUntil(() => warming.IsCompleted);
    }

    /// <summary>The result of <see cref="Start"/>, waited for by spinning: the lane finishes within a millisecond or two of the systems.</summary>
    public static WorldHash Result(Task<WorldHash> hashing)
    {
        ArgumentNullException.ThrowIfNull(hashing);
        LaneThread.SpinUntil(() => hashing.IsCompleted);
        return hashing.GetAwaiter().GetResult();
    }

    /// <summary>Below this many unhashed items (changed components, events out, effects) they are hashed on one core.</summary>
    public const int ParallelMinItems = 64;

    /// <summary>
    /// The hash of <paramref name="world"/> (with the <paramref name="previous"/> tick's, only changed entries are
    /// hashed), after the <paramref name="lane"/>'s work, whose errors it ignores (what failed there is hashed again
    /// here, and fails here if it belongs to the world). What the lane left unhashed (<see cref="WorldHash.Unhashed"/>)
    /// is hashed on every core, in chunks; the parts then only sum and combine memoized hashes.
    /// </summary>
    public static WorldHash Compute(World world, World? previous, HashLane lane)
    {
        ArgumentNullException.ThrowIfNull(lane);
        lane.Wait();
        return ComputeRest(world, previous);
    }

    /// <summary>
    /// Starts <see cref="Compute"/> as the lane's last piece when the tick is large enough to gain from it, so the store
    /// can write the tick meanwhile (<c>SqliteStore.Commit</c> takes the hash last); a small tick is hashed in line.
    /// </summary>
    public static Task<WorldHash> Start(World world, World? previous, HashLane lane)
    {
        ArgumentNullException.ThrowIfNull(lane);
        return world.EventsIn.Length + world.Effects.Length < PrehashMinEvents
            ? Task.FromResult(Compute(world, previous, lane))
            : lane.Then(() => ComputeRest(world, previous));
    }

    private static WorldHash ComputeRest(World world, World? previous)
    {
        var items = WorldHash.Unhashed(world, previous);
        if (items.Count < ParallelMinItems)
        {
            foreach (var item in items)
                WorldHash.HashItem(item);
        }
        else
        {
            try
            {
                Parallel.ForEach(Partitioner.Create(0, items.Count, Math.Max(16, items.Count / (4 * Environment.ProcessorCount))), range =>
                {
                    for (var i = range.Item1; i < range.Item2; i++)
                        WorldHash.HashItem(items[i]);
                });
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            }
        }
        return WorldHash.Combine(WorldHash.PartsOf(world, previous).Select(p => new KeyValuePair<string, string>(p.Name, p.Compute())));
    }
}

/// <summary>
/// Hashing done while the systems run, on the <see cref="LaneThread"/> (its pieces one after another, never two at
/// once): the tick's inbound events first, then what each system changed, handed over as the system returns
/// (<see cref="After"/>): the changed components, events and effects, and the sums of the changed tables. While the
/// systems run the second core has nothing else to do; what the lane computes is memoized where the world hash at the
/// end of the tick finds it (<see cref="TickHashing.Compute(World, World?, HashLane)"/>), which is then left with
/// little but combining the parts. A component or table a later system replaces was hashed for nothing, which costs
/// time on the other core and no result.
/// </summary>
public sealed class HashLane
{
    private readonly bool _active;
    private int _posted;
    private int _done;

    internal HashLane(ImmutableArray<Event> batch)
    {
        _active = batch.Length >= TickHashing.PrehashMinEvents;
        if (_active)
        {
            Post(() =>
            {
                WorldHash.Prehash(batch);
                WorldHash.EventsInHex(batch);
            });
        }
    }

    /// <summary>Queues the hashing of what a system changed, <paramref name="before"/> to <paramref name="after"/>.</summary>
    public void After(World before, World after)
    {
        if (!_active || ReferenceEquals(before, after))
            return;
        Post(() =>
        {
            foreach (var item in WorldHash.ChangedUnhashed(before, after))
                WorldHash.HashItem(item);
            WorldHash.AdvanceSums(before, after);
        });
    }

    /// <summary>
    /// Runs <paramref name="next"/> on the lane once its work is done, however it ended (the lane thread runs pieces in
    /// the order posted): no thread waits for the lane.
    /// The task's continuations run elsewhere, never on the lane's thread.
    /// </summary>
    internal Task<T> Then<T>(Func<T> next) => LaneThread.Shared.Run(next);

    /// <summary>Waits, spinning, until the lane's work is done, however it ended (see <see cref="Post"/>).</summary>
    public void Wait()
    {
        var posted = _posted;
        LaneThread.SpinUntil(() => Volatile.Read(ref _done) >= posted);
    }

    /// <summary>
    /// Queues a piece that memoizes hashes. A piece that fails leaves them unmemoized: the final hash meets the same
    /// input again and reports it if it belongs to the world.
    /// </summary>
    private void Post(Action piece)
    {
        _posted++;
        LaneThread.Shared.Post(() =>
        {
            try
            {
                piece();
            }
            catch (Exception)
            {
                // Left unmemoized (see above).
            }
            Interlocked.Increment(ref _done);
        });
    }
}
