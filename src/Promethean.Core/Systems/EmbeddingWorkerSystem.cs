using System.Collections.Immutable;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Ingest;

namespace Promethean.Core.Systems;

/// <summary>
/// seed sys.embedding.worker.step (section 11): takes pending embedding jobs by priority, batches them
/// by model under size and token caps into <c>llm/embed</c> effects, stores the vectors when
/// <c>llm/embed.result</c> arrives (<c>vector/put</c>) and marks the jobs done; on
/// <c>llm/embed.error</c> a job waits with exponential backoff and is failed after its last attempt.
/// </summary>
public static class EmbeddingWorkerSystem
{
    public const string Purpose = "embedding.worker";

    public static World Update(World world, IStoreReader stores)
    {
        if (world.Jobs.IsEmpty)
            return world;
        var cfg = world.MemoryConfig;
        using var lease = JobIndex.Take(world);
        var index = lease.Index;
        var jobs = world.Jobs.ToBuilder();
        var effects = new List<Effect>();
        var events = new List<Event>();
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);

        foreach (var e in world.EventsIn)
        {
            switch (e)
            {
                case LlmEmbedResult r when r.Meta.GetValueOrDefault("purpose") == Purpose:
                    Complete(r.EffectId, r.Vectors, null);
                    break;
                case EffectError err when err.EffectType == "llm/embed" && err.Meta.GetValueOrDefault("purpose") == Purpose:
                    Complete(err.EffectId, [], err.Message);
                    break;
            }
        }

        var next = world with { Jobs = jobs.ToImmutable(), JobMemo = index };
        next = StartBatches(next.Do(effects).Emit(events), stores, cfg, counts, index);
        foreach (var (name, count) in counts)
            next = DebugStatsSystem.Count(next, name, count);
        return next;

        void Complete(string effectId, ImmutableArray<ImmutableArray<float>> vectors, string? error)
        {
            var batch = index.Sync(jobs.ToImmutable()).RunningIn(effectId).OrderBy(j => j.Job.BatchIndex).ToList();
            if (error is null && batch.Any(j => j.Job.BatchIndex >= vectors.Length))
                error = $"expected {batch.Count} vectors, got {vectors.Length}";
            foreach (var (id, job) in batch)
            {
                if (error is null)
                {
                    var kind = job.Type == Job.EmbedEidolon ? EidolonIndexSystem.EidolonKind : EidolonIndexSystem.CanonicalKind;
                    foreach (var memoryId in job.Payload.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                        effects.Add(new VectorPut(memoryId, job.Model, kind, vectors[job.BatchIndex]));
                    jobs.Remove(id);
                    events.Add(new EmbeddingJobDone(id, job.Type, job.DedupeKey, true));
                    counts["embed.done"] = counts.GetValueOrDefault("embed.done") + 1;
                }
                else if (job.Attempt + 1 >= cfg.EmbedMaxAttempts)
                {
                    jobs.Remove(id);
                    events.Add(new EmbeddingJobDone(id, job.Type, job.DedupeKey, false));
                    counts["embed.failed"] = counts.GetValueOrDefault("embed.failed") + 1;
                }
                else
                {
                    var delay = cfg.EmbedBackoffMs << Math.Min(job.Attempt, 20);
                    jobs[id] = job with { Status = JobStatus.Pending, Attempt = job.Attempt + 1, NotBeforeMs = world.TimeMs + delay, EffectId = null, BatchIndex = 0 };
                    counts["embed.retried"] = counts.GetValueOrDefault("embed.retried") + 1;
                }
            }
        }
    }

    /// <summary>Fills free in-flight slots with batches of one model, highest priority first.</summary>
    private static World StartBatches(World world, IStoreReader stores, MemorySettings cfg, SortedDictionary<string, long> counts, JobIndex index)
    {
        if (cfg.EmbedEndpoint.Length == 0)
            return world;
        var inFlight = index.Sync(world.Jobs).EmbedBatchesInFlight;
        if (inFlight >= cfg.EmbedMaxInFlight)
            return world;
        // Read lazily, highest priority first: a batch takes the first few of what may be thousands. The index stays
        // at this table (nothing syncs it below), which is the table the jobs are read from.
        var ready = index.PendingByPriority().Where(j => j.Job.NotBeforeMs <= world.TimeMs);
        // Memories put this tick are not in the store until the commit: read them from the effects.
        var puts = new Dictionary<string, Memory>(StringComparer.Ordinal);
        foreach (var put in world.Effects.OfType<MemPut>())
            puts[put.Memory.Id] = put.Memory;
        var next = world;
        var taken = new HashSet<EntityId>();
        while (inFlight < cfg.EmbedMaxInFlight)
        {
            var model = ready.Where(j => !taken.Contains(j.Id)).Select(j => j.Job.Model).FirstOrDefault();
            if (model is null)
                break;
            var inputs = ImmutableArray.CreateBuilder<string>();
            var members = new List<(EntityId Id, Job Job)>();
            var tokens = 0;
            foreach (var (id, job) in ready)
            {
                if (taken.Contains(id) || job.Model != model)
                    continue;
                if (inputs.Count >= cfg.EmbedBatchSize)
                    break;
                var text = TextOf(job, puts, stores, cfg);
                taken.Add(id);
                if (text is null)
                {
                    next = next with { Jobs = next.Jobs.Remove(id) };
                    next = next.Emit(new EmbeddingJobDone(id, job.Type, job.DedupeKey, false));
                    counts["embed.missing-memory"] = counts.GetValueOrDefault("embed.missing-memory") + 1;
                    continue;
                }
                var cost = text.Length / 4 + 1;
                if (inputs.Count > 0 && tokens + cost > cfg.EmbedBatchTokens)
                {
                    taken.Remove(id);
                    break;
                }
                tokens += cost;
                members.Add((id, job));
                inputs.Add(text);
            }
            if (inputs.Count == 0)
                continue;
            next = next.Do(new LlmEmbed(cfg.EmbedEndpoint, model, inputs.ToImmutable())
            {
                Meta = ImmutableSortedDictionary<string, string>.Empty.Add("purpose", Purpose),
            });
            var effectId = next.Effects[^1].Id;
            var table = next.Jobs.ToBuilder();
            for (var i = 0; i < members.Count; i++)
                table[members[i].Id] = members[i].Job with { Status = JobStatus.Running, EffectId = effectId, BatchIndex = i };
            next = next with { Jobs = table.ToImmutable() };
            counts["embed.batches"] = counts.GetValueOrDefault("embed.batches") + 1;
            inFlight++;
        }
        return next;
    }

    private static string? TextOf(Job job, Dictionary<string, Memory> puts, IStoreReader stores, MemorySettings cfg)
    {
        var first = job.Payload.Split(' ', 2)[0];
        var memory = puts.GetValueOrDefault(first) ?? stores.GetMemory(first);
        if (memory is null)
            return null;
        return job.Type == Job.EmbedEidolon ? FieldDigest.EidolonText(memory, cfg.EmbedMaxChars) : FieldDigest.Cut(memory.Text, cfg.EmbedMaxChars);
    }
}
