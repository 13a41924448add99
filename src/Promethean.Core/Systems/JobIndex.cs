using System.Collections.Immutable;
using Promethean.Core.Components;

namespace Promethean.Core.Systems;

/// <summary>
/// The job table as eidolon.index, the embedding worker and compaction query it: open embedding jobs by dedupe key,
/// pending ones by priority, running ones by the effect carrying them, and the few compaction jobs. The table holds
/// every queued embedding (thousands while an export is ingested), and each of those systems used to walk all of it
/// every tick, some of them several times.
/// <para>
/// Like <see cref="SessionSchedulerMemo"/> it is not state but a view of one table: <see cref="Sync"/> brings it to
/// any table by the entries that differ from the one it reflects (<see cref="SortedTreeDiff"/>), so it answers for
/// exactly the table it was last synced to. A system syncs it to the table it is about to read, its own edits included.
/// The world carries it outside the hash and the snapshots (<see cref="World.JobMemo"/>); <see cref="Lease"/> gives a
/// system one to use alone.
/// </para>
/// </summary>
internal sealed class JobIndex
{
    private readonly List<(EntityId Key, Job? Before, Job? After)> _changes = [];
    private readonly Dictionary<string, List<EntityId>> _openByKey = new(StringComparer.Ordinal);
    private readonly SortedSet<(int Priority, EntityId Id)> _pending = new(ByPriorityThenId.Instance);
    private readonly Dictionary<string, List<EntityId>> _runningByEffect = new(StringComparer.Ordinal);
    private readonly SortedSet<EntityId> _compaction = [];
    private ImmutableSortedDictionary<EntityId, Job> _seen = ImmutableSortedDictionary<EntityId, Job>.Empty;

    /// <summary>The table this index answers for.</summary>
    public ImmutableSortedDictionary<EntityId, Job> Table => _seen;

    /// <summary>Embedding jobs pending or running.</summary>
    public int OpenEmbedJobs { get; private set; }

    /// <summary>Distinct dedupe keys of the embedding jobs pending or running.</summary>
    public int OpenEmbedKeys => _openByKey.Count;

    /// <summary>Distinct effects carrying running embedding jobs: batches in flight.</summary>
    public int EmbedBatchesInFlight => _runningByEffect.Count;

    /// <summary>
    /// This world's index (or a new one, when it has none or another thread holds it), held until the lease is disposed.
    /// Put <see cref="Lease.Index"/> in the world a system returns, so the next one finds it.
    /// </summary>
    public static Lease Take(World world)
    {
        var index = world.JobMemo;
        if (index is null || !Monitor.TryEnter(index))
        {
            index = new JobIndex();
            Monitor.Enter(index);
        }
        try
        {
            index.Sync(world.Jobs);
        }
        catch
        {
            Monitor.Exit(index);
            throw;
        }
        return new Lease(index);
    }

    /// <summary>Brings the index to <paramref name="table"/>: O(changes x log n) from the table it reflects.</summary>
    public JobIndex Sync(ImmutableSortedDictionary<EntityId, Job> table)
    {
        if (ReferenceEquals(table, _seen))
            return this;
        _changes.Clear();
        SortedTreeDiff.Changes(_seen, table, _changes);
        foreach (var (id, before, after) in _changes)
        {
            if (before is not null)
                Remove(id, before);
            if (after is not null)
                Add(id, after);
        }
        _seen = table;
        return this;
    }

    /// <summary>The latest (highest id) pending or running embedding job with this dedupe key, if any.</summary>
    public EntityId? LatestOpen(string dedupeKey) =>
        _openByKey.TryGetValue(dedupeKey, out var ids) ? ids[^1] : null;

    /// <summary>The pending embedding job that yields first to a new one: lowest priority, then newest (highest id).</summary>
    public (EntityId Id, Job Job)? LowestPending() =>
        _pending.Count == 0 ? null : (_pending.Max.Id, _seen[_pending.Max.Id]);

    /// <summary>Pending embedding jobs, highest priority first, then oldest (lowest id) first.</summary>
    public IEnumerable<(EntityId Id, Job Job)> PendingByPriority()
    {
        foreach (var (_, id) in _pending)
            yield return (id, _seen[id]);
    }

    /// <summary>The running embedding jobs carried by <paramref name="effectId"/>, in id order.</summary>
    public IReadOnlyList<(EntityId Id, Job Job)> RunningIn(string effectId) =>
        _runningByEffect.TryGetValue(effectId, out var ids) ? [.. ids.Select(id => (id, _seen[id]))] : [];

    /// <summary>The compaction jobs (<c>gc/plan</c>, <c>gc/commit</c>), in id order.</summary>
    public IReadOnlyList<(EntityId Id, Job Job)> Compaction() => [.. _compaction.Select(id => (id, _seen[id]))];

    private void Add(EntityId id, Job job)
    {
        if (job.Type is Job.GcPlan or Job.GcCommit)
            _compaction.Add(id);
        if (!EidolonIndexSystem.IsEmbedJob(job) || job.Status is not (JobStatus.Pending or JobStatus.Running))
            return;
        OpenEmbedJobs++;
        Insert(_openByKey, job.DedupeKey, id);
        if (job.Status == JobStatus.Pending)
            _pending.Add((job.Priority, id));
        else
            Insert(_runningByEffect, job.EffectId ?? "", id);
    }

    private void Remove(EntityId id, Job job)
    {
        if (job.Type is Job.GcPlan or Job.GcCommit)
            _compaction.Remove(id);
        if (!EidolonIndexSystem.IsEmbedJob(job) || job.Status is not (JobStatus.Pending or JobStatus.Running))
            return;
        OpenEmbedJobs--;
        Delete(_openByKey, job.DedupeKey, id);
        if (job.Status == JobStatus.Pending)
            _pending.Remove((job.Priority, id));
        else
            Delete(_runningByEffect, job.EffectId ?? "", id);
    }

    private static void Insert(Dictionary<string, List<EntityId>> map, string key, EntityId id)
    {
        if (!map.TryGetValue(key, out var ids))
            map[key] = ids = new List<EntityId>(1);
        var at = ids.BinarySearch(id);
        ids.Insert(at < 0 ? ~at : at, id);
    }

    private static void Delete(Dictionary<string, List<EntityId>> map, string key, EntityId id)
    {
        var ids = map[key];
        ids.RemoveAt(ids.BinarySearch(id));
        if (ids.Count == 0)
            map.Remove(key);
    }

    /// <summary>Exclusive use of an index for one system; releases it when disposed.</summary>
    public readonly struct Lease(JobIndex index) : IDisposable
    {
        public JobIndex Index { get; } = index;

        public void Dispose() => Monitor.Exit(Index);
    }

    /// <summary>Higher priority first, then lower id: the order the embedding worker starts pending jobs in.</summary>
    private sealed class ByPriorityThenId : IComparer<(int Priority, EntityId Id)>
    {
        public static readonly ByPriorityThenId Instance = new();

        public int Compare((int Priority, EntityId Id) x, (int Priority, EntityId Id) y) =>
            x.Priority != y.Priority ? y.Priority.CompareTo(x.Priority) : x.Id.CompareTo(y.Id);
    }
}
