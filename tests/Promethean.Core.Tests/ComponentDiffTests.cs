using System.Collections.Immutable;
using CsCheck;
using Promethean.Core.Components;

namespace Promethean.Core.Tests;

public sealed class ComponentDiffTests
{
    /// <summary>An edit of a table: set an id to a new value, set it to the value it has (no change), or remove it.</summary>
    private sealed record Edit(int Kind, int Id, int Priority);

    private static readonly Gen<Edit> GenEdit = Gen.Select(Gen.Int[0, 2], Gen.Int[1, 400], Gen.Int[0, 9], (k, id, p) => new Edit(k, id, p));

    private static Job JobOf(int id, int priority) => new(Job.EmbedCanonical, priority, JobStatus.Pending, $"k{id}", "");

    private static World Apply(World world, IEnumerable<Edit> edits, bool viaBuilder)
    {
        if (viaBuilder)
        {
            var b = world.Jobs.ToBuilder();
            foreach (var e in edits)
                ApplyOne(e, id => b.TryGetValue(id, out var j) ? j : null, (id, j) => b[id] = j, id => b.Remove(id));
            return world with { Jobs = b.ToImmutable() };
        }
        var jobs = world.Jobs;
        foreach (var e in edits)
            ApplyOne(e, id => jobs.GetValueOrDefault(id), (id, j) => jobs = jobs.SetItem(id, j), id => jobs = jobs.Remove(id));
        return world with { Jobs = jobs };
    }

    private static void ApplyOne(Edit e, Func<EntityId, Job?> get, Action<EntityId, Job> set, Action<EntityId> remove)
    {
        var id = new EntityId(e.Id);
        switch (e.Kind)
        {
            case 0:
                set(id, JobOf(e.Id, e.Priority));
                break;
            case 1 when get(id) is { } same:
                set(id, same);
                break;
            default:
                remove(id);
                break;
        }
    }

    [Fact]
    public void TreeDiff_IsAvailableOnThisRuntime()
    {
        // The tree diff reads System.Collections.Immutable's private fields; if a runtime update renames them, diffs fall
        // back to walking every entry (correct, but slow for big tables): this says so.
        SortedTreeDiff.Available<EntityId, Job>().ShouldBeTrue();
        SortedTreeDiff.Available<EntityId, Session>().ShouldBeTrue();
    }

    [Fact]
    public void TreeDiff_EqualsTheWalkOfEveryEntry_ForRandomEdits()
    {
        var table = ComponentTables.ByName("job");
        Gen.Select(GenEdit.Array[0, 300], GenEdit.Array[0, 60], Gen.Bool, Gen.Bool).Sample((seed, edits, viaBuilder, rebuilt) =>
        {
            var before = Apply(World.Empty, seed, viaBuilder: true);
            var after = Apply(before, edits, viaBuilder);
            if (rebuilt)
            {
                // The same entries in a tree built afresh: no subtree is shared, every value still is.
                after = after with { Jobs = ImmutableSortedDictionary.CreateRange(after.Jobs) };
            }
            var walk = new List<(EntityId Key, Job? Before, Job? After)>();
            SortedTreeDiff.Walk(before.Jobs, after.Jobs, walk);
            var walked = walk.Select(c => (Id: c.Key, Before: (object?)c.Before, Component: (object?)c.After)).ToList();
            var diffed = ComponentDiff.Changes(table, before, after).Select(c => (c.Id, c.Before, c.Component)).ToList();
            diffed.Count.ShouldBe(walked.Count);
            for (var i = 0; i < walked.Count; i++)
            {
                diffed[i].Id.ShouldBe(walked[i].Id);
                diffed[i].Before.ShouldBeSameAs(walked[i].Before);
                diffed[i].Component.ShouldBeSameAs(walked[i].Component);
            }
        }, iter: 2000);
    }

    [Fact]
    public void TreeDiff_OfABigTableWithOneChange_VisitsAFewPathsNotEveryEntry()
    {
        var jobs = ImmutableSortedDictionary.CreateRange(Enumerable.Range(1, 100_000).Select(i => KeyValuePair.Create(new EntityId(i), JobOf(i, 0))));
        var before = World.Empty with { Jobs = jobs };
        var after = before with { Jobs = jobs.SetItem(new EntityId(50_000), JobOf(50_000, 1)).Remove(new EntityId(7)).Add(new EntityId(100_001), JobOf(100_001, 0)) };
        var changes = new List<(EntityId Key, Job? Before, Job? After)>();
        SortedTreeDiff.Changes(before.Jobs, after.Jobs, changes);
        changes.Select(c => c.Key.Value).ShouldBe([7L, 50_000L, 100_001L]);
        changes[0].After.ShouldBeNull();
        changes[1].Before!.Priority.ShouldBe(0);
        changes[1].After!.Priority.ShouldBe(1);
        changes[2].Before.ShouldBeNull();
    }
}
