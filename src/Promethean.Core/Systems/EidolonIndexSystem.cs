using System.Collections.Immutable;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Ingest;

namespace Promethean.Core.Systems;

/// <summary>
/// seed sys.eidolon.index (section 10): links every new memory into the nexus posting lists
/// (<c>nexus/link</c>, degrees kept by the store) and enqueues its canonical and eidolon embedding
/// jobs with priority and a dedupe key (model + kind + content hash). The pending queue is bounded:
/// on overflow the lowest-priority job is parked in the store (<c>job/defer</c>) and comes back when
/// there is room, so nothing is dropped silently.
/// </summary>
public static class EidolonIndexSystem
{
    public const string CanonicalKind = "canonical";
    public const string EidolonKind = "eidolon";

    public static World Update(World world, IStoreReader stores) =>
        Index(world, stores, [.. world.EventsThisTick.OfType<MemoryCreated>()]);

    /// <summary>
    /// Links and enqueues the given memories (their <c>memory/created</c> already emitted). Systems that create
    /// memories after eidolon.index in the schedule (compaction's summaries) call it for theirs.
    /// </summary>
    public static World Index(World world, IStoreReader stores, IReadOnlyList<MemoryCreated> created)
    {
        var cfg = world.MemoryConfig;
        var embed = cfg.EmbedEndpoint.Length > 0;
        if (created.Count == 0 && (!embed || QueueIsFull(world, cfg.MaxPendingJobs)))
            return world;

        var next = world;
        var effects = new List<Effect>();
        var events = new List<Event>();
        var jobs = world.Jobs.ToBuilder();
        var byKey = new Dictionary<string, EntityId>(StringComparer.Ordinal);
        foreach (var (id, job) in world.Jobs)
        {
            if (IsEmbedJob(job) && job.Status is JobStatus.Pending or JobStatus.Running)
                byKey[job.DedupeKey] = id;
        }
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var pendingCount = byKey.Count;

        foreach (var m in created)
        {
            effects.Add(new NexusLink(m.MemoryId, m.NexusKeys, m.CreatedMs));
            events.Add(new EidolonIndexed(m.MemoryId, m.NexusKeys));
            if (!embed)
                continue;
            var priority = PriorityOf(m.Kind);
            Enqueue(Job.EmbedCanonical, priority, DedupeKey(cfg.EmbedModel, CanonicalKind, m.ContentHash), m.MemoryId);
            if (cfg.EmbedEidolon)
                Enqueue(Job.EmbedEidolon, priority - 1, DedupeKey(cfg.EmbedModel, EidolonKind, m.ContentHash + m.MemoryId), m.MemoryId);
        }

        // Deferred jobs come back, highest priority first, as the queue drains.
        if (embed)
        {
            var room = cfg.MaxPendingJobs - pendingCount;
            if (room > 0 && stores.DeferredJobCount > 0)
            {
                foreach (var d in stores.DeferredJobs(room))
                {
                    effects.Add(new JobUndefer(d.DedupeKey));
                    next = next.Spawn(out var id);
                    jobs[id] = new Job(d.Type, d.Priority, JobStatus.Pending, d.DedupeKey, d.Payload) { Model = d.Model, EnqueuedTick = world.Tick };
                    byKey[d.DedupeKey] = id;
                    pendingCount++;
                    counts["embed.undeferred"] = counts.GetValueOrDefault("embed.undeferred") + 1;
                }
            }
        }

        next = (next with { Jobs = jobs.ToImmutable() }).Do(effects).Emit(events);
        foreach (var (name, count) in counts)
            next = DebugStatsSystem.Count(next, name, count);
        return next;

        void Enqueue(string type, int priority, string dedupeKey, string memoryId)
        {
            if (byKey.TryGetValue(dedupeKey, out var existing))
            {
                var job = jobs[existing];
                if (job.Status == JobStatus.Pending)
                {
                    jobs[existing] = job with { Payload = job.Payload + " " + memoryId };
                    counts["embed.merged"] = counts.GetValueOrDefault("embed.merged") + 1;
                    return;
                }
            }
            if (pendingCount >= cfg.MaxPendingJobs)
            {
                var lowest = jobs.Where(j => IsEmbedJob(j.Value) && j.Value.Status == JobStatus.Pending)
                    .OrderBy(j => j.Value.Priority).ThenByDescending(j => j.Key).Select(j => (KeyValuePair<EntityId, Job>?)j).FirstOrDefault();
                counts["embed.deferred"] = counts.GetValueOrDefault("embed.deferred") + 1;
                if (lowest is not { } low || low.Value.Priority >= priority)
                {
                    effects.Add(new JobDefer(dedupeKey, type, priority, memoryId, cfg.EmbedModel));
                    return;
                }
                effects.Add(new JobDefer(low.Value.DedupeKey, low.Value.Type, low.Value.Priority, low.Value.Payload, low.Value.Model));
                jobs.Remove(low.Key);
                byKey.Remove(low.Value.DedupeKey);
                pendingCount--;
            }
            next = next.Spawn(out var id);
            jobs[id] = new Job(type, priority, JobStatus.Pending, dedupeKey, memoryId) { Model = cfg.EmbedModel, EnqueuedTick = world.Tick };
            byKey[dedupeKey] = id;
            pendingCount++;
            events.Add(new EmbeddingJobEnqueued(id, type, dedupeKey));
        }
    }

    /// <summary>Notes and people first, bot spam aggregates last.</summary>
    public static int PriorityOf(string kind) => kind switch
    {
        "note" => 60,
        "discord.message" => 50,
        "file" => 40,
        Compaction.CompactionPlanner.SummaryKind => 45,
        MemoryIngestSystem.SpamAggregateKind => 10,
        _ => 30,
    };

    public static string DedupeKey(string model, string kind, string contentHash) =>
        model + "|" + kind + "|" + Sha256Hex.Of(contentHash, 32);

    /// <summary>Whether at least <paramref name="max"/> embedding jobs are pending or running; stops counting there (the table can be large).</summary>
    private static bool QueueIsFull(World world, int max) =>
        world.Jobs.Values.Where(j => IsEmbedJob(j) && j.Status is JobStatus.Pending or JobStatus.Running).Take(max).Count() >= max;

    /// <summary>Embedding jobs share the job table with compaction's <c>gc/*</c> jobs.</summary>
    public static bool IsEmbedJob(Job job) => job.Type is Job.EmbedCanonical or Job.EmbedEidolon;
}
