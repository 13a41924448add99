using System.Collections.Immutable;
using CsCheck;
using Promethean.Core.Components;
using Promethean.Core.Systems;
using Shouldly;

namespace Promethean.Core.Tests;

public sealed class JobIndexTests
{
    private static readonly string[] Types = [Job.EmbedCanonical, Job.EmbedEidolon, Job.GcPlan, Job.GcCommit];

    /// <summary>
    /// Whatever the edits between syncs (jobs added, removed, started, retried, reprioritised, moved to another key
    /// or effect) and whichever table it was synced to before (the same table's past, or another table entirely), the
    /// index answers every query as a walk of the table it was last synced to does.
    /// </summary>
    [Fact]
    public void Property_AfterAnySync_AnswersAsAWalkOfTheTable()
    {
        var gen = Gen.Select(Gen.Int[0, 40], Gen.Select(Gen.Int[0, 9], Gen.Int[0, 60], Gen.Int[0, 1_000]).Array[1, 80], (size, edits) => (size, edits));
        gen.Sample(p =>
        {
            var random = new Random(p.size * 7 + p.edits.Length);
            var table = ImmutableSortedDictionary<EntityId, Job>.Empty;
            for (var i = 1; i <= p.size; i++)
                table = table.Add(new EntityId(i), RandomJob(random));
            var index = new JobIndex();
            var other = table;
            var nextId = p.size + 1L;
            foreach (var (op, at, value) in p.edits)
            {
                var ids = table.Keys.ToArray();
                var id = ids.Length == 0 ? new EntityId(nextId) : ids[at % ids.Length];
                table = op switch
                {
                    0 or 1 => table.Add(new EntityId(nextId++), RandomJob(random)),
                    2 when ids.Length > 0 => table.Remove(id),
                    3 when ids.Length > 0 => table.SetItem(id, table[id] with { Status = JobStatus.Running, EffectId = $"e{value % 4}", BatchIndex = value % 3 }),
                    4 when ids.Length > 0 => table.SetItem(id, table[id] with { Status = JobStatus.Pending, EffectId = null, NotBeforeMs = value }),
                    5 when ids.Length > 0 => table.SetItem(id, table[id] with { Priority = value % 5 }),
                    6 when ids.Length > 0 => table.SetItem(id, table[id] with { DedupeKey = $"k{value % 6}" }),
                    7 when ids.Length > 0 => table.SetItem(id, table[id] with { Status = (JobStatus)(value % 4) }),
                    _ => table,
                };
                if (op == 8)
                    other = table;
                // Now and then the index visits another table (a fork, an older tick) before coming back.
                if (op == 9)
                    Check(index.Sync(other), other);
                Check(index.Sync(table), table);
            }
        }, iter: 150);
    }

    [Fact]
    public void Take_WorldWithoutAnIndex_BuildsOneForItsTable()
    {
        var world = World.Empty with
        {
            Jobs = ImmutableSortedDictionary<EntityId, Job>.Empty
                .Add(new EntityId(1), new Job(Job.EmbedCanonical, 5, JobStatus.Pending, "a", "m1"))
                .Add(new EntityId(2), new Job(Job.GcPlan, 20, JobStatus.Pending, "gc/plan", "")),
        };
        using var lease = JobIndex.Take(world);
        lease.Index.OpenEmbedJobs.ShouldBe(1);
        lease.Index.Compaction().ShouldHaveSingleItem().Id.ShouldBe(new EntityId(2));
    }

    private static Job RandomJob(Random random)
    {
        var type = Types[random.Next(Types.Length)];
        var status = (JobStatus)random.Next(4);
        return new Job(type, random.Next(5), status, $"k{random.Next(6)}", $"m{random.Next(100)}")
        {
            EffectId = status == JobStatus.Running ? $"e{random.Next(4)}" : null,
            BatchIndex = random.Next(3),
            NotBeforeMs = random.Next(3) * 100,
        };
    }

    private static void Check(JobIndex index, ImmutableSortedDictionary<EntityId, Job> table)
    {
        var open = table.Where(j => EidolonIndexSystem.IsEmbedJob(j.Value) && j.Value.Status is JobStatus.Pending or JobStatus.Running).ToList();
        index.OpenEmbedJobs.ShouldBe(open.Count);
        index.OpenEmbedKeys.ShouldBe(open.Select(j => j.Value.DedupeKey).Distinct().Count());
        for (var k = 0; k < 7; k++)
            index.LatestOpen($"k{k}").ShouldBe(open.Where(j => j.Value.DedupeKey == $"k{k}").Select(j => (EntityId?)j.Key).LastOrDefault());

        var pending = open.Where(j => j.Value.Status == JobStatus.Pending).ToList();
        var lowest = pending.OrderBy(j => j.Value.Priority).ThenByDescending(j => j.Key).Select(j => (EntityId?)j.Key).FirstOrDefault();
        index.LowestPending()?.Id.ShouldBe(lowest!.Value);
        (index.LowestPending() is null).ShouldBe(lowest is null);
        index.PendingByPriority().Select(j => j.Id).ShouldBe(pending.OrderByDescending(j => j.Value.Priority).ThenBy(j => j.Key).Select(j => j.Key));

        var running = open.Where(j => j.Value.Status == JobStatus.Running).ToList();
        index.EmbedBatchesInFlight.ShouldBe(running.Select(j => j.Value.EffectId).Distinct().Count());
        for (var e = 0; e < 5; e++)
            index.RunningIn($"e{e}").Select(j => j.Id).ShouldBe(running.Where(j => j.Value.EffectId == $"e{e}").Select(j => j.Key));

        index.Compaction().Select(j => j.Id).ShouldBe(table.Where(j => j.Value.Type is Job.GcPlan or Job.GcCommit).Select(j => j.Key));
        index.Compaction().ShouldAllBe(j => ReferenceEquals(j.Job, table[j.Id]));
    }
}
