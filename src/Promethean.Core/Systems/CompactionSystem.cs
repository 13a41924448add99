using System.Collections.Immutable;
using System.Globalization;
using Promethean.Core.Compaction;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Ingest;

namespace Promethean.Core.Systems;

/// <summary>
/// seed sys.compaction.step (DESIGN 7): a <c>gc/plan</c> job (on <c>gc/requested</c>, or every
/// <c>Compaction.EveryMs</c>) groups old memories with <see cref="CompactionPlanner"/> and queues one
/// <c>gc/commit</c> job per group not already queued or committed. A commit job asks a model for the group's
/// summary (<c>llm/chat</c>, contract <c>memory/summary</c>); on <c>llm/response</c> it writes ONE summary
/// memory whose id derives from the group hash and that lists its sources, tombstones the sources, deletes
/// their vectors and indexes the summary (nexus links, embedding jobs) like any new memory. A group whose
/// summary exists, or whose sources changed meanwhile, is dropped without writing anything.
/// </summary>
public static class CompactionSystem
{
    public const string Purpose = "compaction";
    public const string PlanDedupeKey = "gc/plan";
    public const string CommitDedupePrefix = "gc/commit|";
    public const int JobPriority = 20;

    public static World Update(World world, IStoreReader stores)
    {
        using var jobs = JobIndex.Take(world);
        var run = new Run(world, stores, jobs.Index);
        foreach (var e in world.EventsIn)
            run.Handle(e);
        return run.Finish();
    }

    public static string CommitDedupeKey(string groupHash) => CommitDedupePrefix + groupHash;

    /// <summary>One tick of compaction; it collects effects, events and counters, then applies them once.</summary>
    private sealed class Run(World world, IStoreReader stores, JobIndex jobs)
    {
        private readonly CompactionSettings _cfg = world.MemoryConfig.Compaction;
        private readonly long _now = world.TimeMs;
        private readonly List<Effect> _effects = [];
        private readonly List<Event> _events = [];
        private readonly List<MemoryCreated> _created = [];
        private readonly SortedDictionary<string, long> _counts = new(StringComparer.Ordinal);
        private World _next = world;
        private bool _requested;
        private long? _wakeAt;

        public void Handle(Event e)
        {
            switch (e)
            {
                case GcRequested:
                    _requested = true;
                    break;
                case LlmResponse r when r.Meta.GetValueOrDefault("purpose") == Purpose:
                    OnSummary(r);
                    break;
                case EffectError err when err.EffectType == "llm/chat" && err.Meta.GetValueOrDefault("purpose") == Purpose:
                    if (Running(err.EffectId) is { } job)
                        Retry(job.Id, job.Job, err.Message);
                    break;
            }
        }

        public World Finish()
        {
            if (_requested)
                SchedulePlan(_now);
            RunDuePlans();
            if (_cfg.EveryMs > 0 && !GcJobs().Any(j => j.Job.Type == Job.GcPlan))
                SchedulePlan(_now + _cfg.EveryMs);
            StartCommits();

            var next = _next.Do(_effects).Emit(_events);
            if (_created.Count > 0)
            {
                next = next.Emit(_created);
                next = EidolonIndexSystem.Index(next, stores, _created);
                // eidolon.index and the embedding worker ran earlier this tick: ask for the next tick now.
                if (next.MemoryConfig.EmbedEndpoint.Length > 0)
                    _wakeAt = Math.Min(_wakeAt ?? _now, _now);
            }
            if (_wakeAt is long due)
                next = next.Do(new TimerWake(due) { Meta = PurposeMeta });
            foreach (var (name, count) in _counts)
                next = DebugStatsSystem.Count(next, name, count);
            return next;
        }

        /// <summary>The compaction jobs of the table as it is now, in id order (the job table holds every embedding too).</summary>
        private IReadOnlyList<(EntityId Id, Job Job)> GcJobs() => jobs.Sync(_next.Jobs).Compaction();

        private static readonly ImmutableSortedDictionary<string, string> PurposeMeta =
            ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal).Add("purpose", Purpose);

        private void SchedulePlan(long dueMs)
        {
            var existing = GcJobs().FirstOrDefault(j => j.Job.Type == Job.GcPlan);
            if (existing.Job is { } plan)
            {
                if (plan.NotBeforeMs > dueMs)
                    _next = _next with { Jobs = _next.Jobs.SetItem(existing.Id, plan with { NotBeforeMs = dueMs }) };
                return;
            }
            _next = _next.Spawn(out var id);
            _next = _next with
            {
                Jobs = _next.Jobs.Add(id, new Job(Job.GcPlan, JobPriority, JobStatus.Pending, PlanDedupeKey, "") { NotBeforeMs = dueMs, EnqueuedTick = _next.Tick }),
            };
        }

        private void RunDuePlans()
        {
            var due = GcJobs().Where(j => j.Job.Type == Job.GcPlan && j.Job.NotBeforeMs <= _now).Select(j => j.Id).ToList();
            if (due.Count == 0)
                return;
            _next = _next with { Jobs = _next.Jobs.RemoveRange(due) };
            var plan = CompactionPlanner.Plan(stores, _cfg, _now, CompactionPlanner.Reserved(_next));
            var queuedKeys = GcJobs().Where(j => j.Job.Type == Job.GcCommit).Select(j => j.Job.DedupeKey).ToHashSet(StringComparer.Ordinal);
            var queued = ImmutableArray.CreateBuilder<string>();
            foreach (var group in plan.Groups)
            {
                var key = CommitDedupeKey(group.Hash);
                if (queuedKeys.Contains(key) || stores.GetMemory(group.SummaryId) is not null)
                {
                    Count("gc.already-done");
                    continue;
                }
                _next = _next.Spawn(out var id);
                _next = _next with
                {
                    Jobs = _next.Jobs.Add(id, new Job(Job.GcCommit, JobPriority, JobStatus.Pending, key, CompactionPlanner.WriteGroup(group))
                    {
                        Model = _cfg.Model,
                        EnqueuedTick = _next.Tick,
                    }),
                };
                queuedKeys.Add(key);
                queued.Add(group.Hash);
            }
            _events.Add(new GcPlanned(plan.Candidates, plan.Groups.Length, plan.Members, queued.ToImmutable()));
            Count("gc.plans");
            Count("gc.groups.queued", queued.Count);
        }

        private void StartCommits()
        {
            var gc = GcJobs();
            var inFlight = gc.Count(j => j.Job.Type == Job.GcCommit && j.Job.Status == JobStatus.Running);
            var ready = gc.Where(j => j.Job.Type == Job.GcCommit && j.Job.Status == JobStatus.Pending).ToList();
            foreach (var (id, job) in ready)
            {
                if (job.NotBeforeMs > _now)
                    continue;
                if (inFlight >= _cfg.MaxInFlight)
                    break;
                if (Load(id, job) is not { } loaded)
                    continue;
                var (group, sources) = loaded;
                _next = _next.Do(new LlmChat(_cfg.Endpoint, _cfg.Model, SummaryPrompt.Build(group, sources, _cfg.MaxPromptChars), [], MaxOutputTokens: _cfg.MaxOutputTokens)
                {
                    Meta = PurposeMeta.Add("contract", SummaryPrompt.Contract).Add("group", group.Hash),
                });
                _next = _next with { Jobs = _next.Jobs.SetItem(id, job with { Status = JobStatus.Running, EffectId = _next.Effects[^1].Id }) };
                inFlight++;
            }
        }

        /// <summary>The job's group and its sources, or null (the job ended) when it is already committed or its sources changed.</summary>
        private (CompactionGroup Group, List<Memory> Sources)? Load(EntityId id, Job job)
        {
            if (CompactionPlanner.TryReadGroup(job.Payload) is not { } group)
            {
                End(id, new GcCommitted(job.DedupeKey[CommitDedupePrefix.Length..], "", 0, GcCommitted.Failed, "unreadable job payload"), "gc.failed");
                return null;
            }
            if (stores.GetMemory(group.SummaryId) is not null)
            {
                End(id, new GcCommitted(group.Hash, group.SummaryId, 0, GcCommitted.AlreadyCommitted), "gc.already-done");
                return null;
            }
            var sources = new List<Memory>(group.Members.Length);
            foreach (var memberId in group.Members)
            {
                if (stores.GetMemory(memberId) is not { Lifecycle: Memory.Active } m)
                {
                    End(id, new GcCommitted(group.Hash, group.SummaryId, 0, GcCommitted.Stale, $"source {memberId} is missing or no longer active"), "gc.stale");
                    return null;
                }
                sources.Add(m);
            }
            return (group, sources);
        }

        private void OnSummary(LlmResponse r)
        {
            if (Running(r.EffectId) is not { } running)
            {
                // A redelivered answer, or one for a job that already ended: nothing to do.
                Count("gc.unmatched-response");
                return;
            }
            var (id, job) = running;
            var text = TextNormalizer.Normalize(r.Text);
            if (text.Length == 0)
            {
                Retry(id, job, "the model returned an empty summary");
                return;
            }
            if (Load(id, job) is not { } loaded)
                return;
            var (group, sources) = loaded;
            var summary = BuildSummary(group, sources, text, r);
            _effects.Add(new MemPut(summary));
            foreach (var source in sources)
            {
                _effects.Add(new MemTombstone(source.Id, summary.Id));
                _effects.Add(new VectorDelete(source.Id));
            }
            _created.Add(new MemoryCreated(summary.Id, summary.Kind, summary.Tags, summary.NexusKeys)
            {
                CreatedMs = summary.CreatedMs,
                ContentHash = Sha256Hex.Of(summary.Text),
            });
            End(id, new GcCommitted(group.Hash, summary.Id, sources.Count, GcCommitted.Written), "gc.committed");
            Count("gc.tombstoned", sources.Count);
        }

        private void Retry(EntityId id, Job job, string reason)
        {
            var hash = job.DedupeKey[CommitDedupePrefix.Length..];
            if (job.Attempt + 1 >= _cfg.MaxAttempts)
            {
                End(id, new GcCommitted(hash, CompactionPlanner.SummaryId(hash), 0, GcCommitted.Failed, reason), "gc.failed");
                return;
            }
            var due = _now + (_cfg.BackoffMs << Math.Min(job.Attempt, 20));
            _next = _next with
            {
                Jobs = _next.Jobs.SetItem(id, job with { Status = JobStatus.Pending, Attempt = job.Attempt + 1, NotBeforeMs = due, EffectId = null }),
            };
            _wakeAt = Math.Min(_wakeAt ?? due, due);
            Count("gc.retried");
        }

        private (EntityId Id, Job Job)? Running(string effectId)
        {
            foreach (var (id, job) in GcJobs())
            {
                if (job.Type == Job.GcCommit && job.Status == JobStatus.Running && job.EffectId == effectId)
                    return (id, job);
            }
            return null;
        }

        private void End(EntityId id, GcCommitted outcome, string counter)
        {
            _next = _next with { Jobs = _next.Jobs.Remove(id) };
            _events.Add(outcome);
            Count(counter);
        }

        private void Count(string name, long delta = 1)
        {
            if (delta != 0)
                _counts[name] = _counts.GetValueOrDefault(name) + delta;
        }
    }

    /// <summary>Most nexus keys a summary carries: the group's most frequent ones (ties ordinal).</summary>
    public const int MaxSummaryKeys = 64;

    /// <summary>The summary memory of a group: the model's text, the sources' keys and tags, the source ids in its metadata.</summary>
    public static Memory BuildSummary(CompactionGroup group, IReadOnlyList<Memory> sources, string text, LlmResponse response)
    {
        var tags = ImmutableSortedSet.CreateBuilder<string>(StringComparer.Ordinal);
        tags.Add(CompactionPlanner.SummaryKind);
        tags.UnionWith(sources.SelectMany(m => m.Tags).Where(t => t.Contains(':', StringComparison.Ordinal)));
        tags.UnionWith(MostFrequent(sources.SelectMany(m => m.Tags).Where(t => !t.Contains(':', StringComparison.Ordinal)), Tagger.MaxTopicalTags));
        var keys = MostFrequent(sources.SelectMany(m => m.NexusKeys), MaxSummaryKeys).ToImmutableSortedSet(StringComparer.Ordinal);
        var source = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (group.Channel != CompactionPlanner.LeftoverCluster)
            source["channel"] = group.Channel;
        source["groupHash"] = group.Hash;
        source["cluster"] = group.Cluster;
        source["bucketStartMs"] = Invariant(group.BucketStartMs);
        source["bucketEndMs"] = Invariant(group.BucketEndMs);
        source["firstMs"] = Invariant(group.FirstMs);
        source["lastMs"] = Invariant(group.LastMs);
        source["count"] = Invariant(sources.Count);
        source["sources"] = string.Join(' ', sources.Select(m => m.Id));
        source["model"] = response.Model;
        source["endpoint"] = response.Endpoint;
        return new Memory(group.SummaryId, CompactionPlanner.SummaryKind, text, response.Text, "summary:" + group.Hash,
            source.ToImmutable(), tags.ToImmutable(), keys, Memory.Active, group.LastMs);
    }

    private static IEnumerable<string> MostFrequent(IEnumerable<string> values, int count) =>
        values.GroupBy(v => v, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(count).Select(g => g.Key);

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
