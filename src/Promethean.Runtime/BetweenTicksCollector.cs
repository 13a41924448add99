namespace Promethean.Runtime;

/// <summary>
/// Runs the young-generation garbage collection between ticks instead of inside one. A gen 0 collection stops every
/// thread for as long as it takes (7-24 ms here with a 32 MB gen 0, the daemon's setting), and the runtime starts it
/// in whichever allocation finds the budget spent: mostly in a tick's systems or its hash, the tick then late by the
/// whole pause. Called after a tick has committed and its effects are dispatched, this collects once
/// <paramref name="thresholdBytes"/> have been allocated since the last collection, early enough that the next tick
/// seldom meets one of its own. Same collections, moved to where nothing waits on them. 0 turns it off.
/// </summary>
public sealed class BetweenTicksCollector(long thresholdBytes)
{
    private int _collections = GC.CollectionCount(0);
    private long _allocatedAtCollection = GC.GetTotalAllocatedBytes();

    /// <summary>Collects gen 0 if the threshold has been allocated since the last collection; true when it did.</summary>
    public bool CollectIfDue()
    {
        if (thresholdBytes <= 0)
            return false;
        var collections = GC.CollectionCount(0);
        if (collections != _collections)
        {
            // The runtime collected on its own during the tick: count from here.
            _collections = collections;
            _allocatedAtCollection = GC.GetTotalAllocatedBytes();
            return false;
        }
        if (GC.GetTotalAllocatedBytes() - _allocatedAtCollection < thresholdBytes)
            return false;
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        _collections = GC.CollectionCount(0);
        _allocatedAtCollection = GC.GetTotalAllocatedBytes();
        return true;
    }
}
