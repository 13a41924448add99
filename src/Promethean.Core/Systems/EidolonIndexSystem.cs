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
        using var lease = JobIndex.Take(world);
        var index = lease.Index;
        if (created.Count == 0 && (!embed || index.OpenEmbedJobs >= cfg.MaxPendingJobs))
            return world.WithJobMemo(index);

        var next = world;
        var effects = new List<Effect>();
        var events = new List<Event>();
        var jobs = world.Jobs.ToBuilder();
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        // Distinct dedupe keys of the open embedding jobs, counted on as jobs are queued and deferred.
        var pendingCount = index.OpenEmbedKeys;

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
                    pendingCount++;
                    counts["embed.undeferred"] = counts.GetValueOrDefault("embed.undeferred") + 1;
                }
            }
        }

        next = (next with { Jobs = jobs.ToImmutable(), JobMemo = index }).Do(effects).Emit(events);
        foreach (var (name, count) in counts)
            next = DebugStatsSystem.Count(next, name, count);
        return next;

        void Enqueue(string type, int priority, string dedupeKey, string memoryId)
        {
            // The index answers for the table as this tick left it so far: sync it to the builder first.
            if (index.Sync(jobs.ToImmutable()).LatestOpen(dedupeKey) is { } existing)
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
                var lowest = index.Sync(jobs.ToImmutable()).LowestPending();
                counts["embed.deferred"] = counts.GetValueOrDefault("embed.deferred") + 1;
                if (lowest is not { } low || low.Job.Priority >= priority)
                {
                    effects.Add(new JobDefer(dedupeKey, type, priority, memoryId, cfg.EmbedModel));
                    return;
                }
                effects.Add(new JobDefer(low.Job.DedupeKey, low.Job.Type, low.Job.Priority, low.Job.Payload, low.Job.Model));
                jobs.Remove(low.Id);
                pendingCount--;
            }
            next = next.Spawn(out var id);
            jobs[id] = new Job(type, priority, JobStatus.Pending, dedupeKey, memoryId) { Model = cfg.EmbedModel, EnqueuedTick = world.Tick };
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

    /// <summary>Embedding jobs share the job table with compaction's <c>gc/*</c> jobs.</summary>
    public static bool IsEmbedJob(Job job) => job.Type is Job.EmbedCanonical or Job.EmbedEidolon;
}
