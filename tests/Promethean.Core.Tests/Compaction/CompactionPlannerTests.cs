using System.Collections.Immutable;
using Promethean.Core.Compaction;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Stores.Sqlite;
using static Promethean.Core.Tests.Compaction.CompactionFixture;

namespace Promethean.Core.Tests.Compaction;

public sealed class CompactionPlannerTests
{
    private static readonly CompactionSettings Defaults = new();

    [Fact]
    public void Plan_OldChannelDay_GroupsTheKeyClusterAndTheLeftovers()
    {
        using var store = SqliteStore.InMemory();
        Seed(store, Settings());

        var plan = CompactionPlanner.Plan(store, Defaults, Later);

        plan.Candidates.ShouldBe(11);
        plan.Groups.Length.ShouldBe(2);
        var backup = plan.Groups.Single(g => g.Cluster == "tag:backup");
        backup.Members.ShouldBe([.. Enumerable.Range(0, 5).Select(i => IdOf(store, "b" + i))]);
        backup.Channel.ShouldBe("42");
        backup.BucketStartMs.ShouldBe(Day0);
        backup.BucketEndMs.ShouldBe(Day0 + 24 * 3_600_000L);
        backup.Hash.ShouldBe(CompactionPlanner.GroupHash("42", Day0, backup.Members.Reverse()));
        backup.TokenEstimate.ShouldBeGreaterThan(0);
        var leftovers = plan.Groups.Single(g => g.Cluster == CompactionPlanner.LeftoverCluster);
        leftovers.Members.ShouldBe([.. Enumerable.Range(0, 4).Select(i => IdOf(store, "c" + i))]);
        // Channel 43 has two messages, fewer than MinGroupSize: left alone.
        plan.Groups.ShouldNotContain(g => g.Channel == "43");
        CompactionPlanner.Plan(store, Defaults, Later).Groups.Select(g => g.Hash).ShouldBe(plan.Groups.Select(g => g.Hash));
    }

    [Fact]
    public void Plan_BucketNotOldEnough_IsNotACandidate()
    {
        using var store = SqliteStore.InMemory();
        Seed(store, Settings());

        // Six days later day 0 is younger than the seven-day minimum age.
        CompactionPlanner.Plan(store, Defaults, Day0 + 6 * 24 * 3_600_000L).Groups.ShouldBeEmpty();
        CompactionPlanner.Plan(store, Defaults with { MinAgeMs = 24 * 3_600_000L }, Day0 + 2 * 24 * 3_600_000L).Groups.Length.ShouldBe(2);
    }

    [Fact]
    public void Plan_PinnedSummaryAggregateTombstonedAndReserved_NeverPlanned()
    {
        using var store = SqliteStore.InMemory();
        Memory M(string id, string kind, string lifecycle, int minute) => new(id, kind, "text " + id, "text " + id, "src:" + id,
            ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal).Add("channel", "42"),
            [], ImmutableSortedSet.Create(StringComparer.Ordinal, "chan:42"), lifecycle, Day0 + minute * 60_000L);
        store.ApplyStoreEffects([
            .. Enumerable.Range(0, 5).Select(i => new MemPut(M("active" + i, "discord.message", Memory.Active, i))),
            new MemPut(M("pinned", "discord.message", Memory.Pinned, 10)),
            new MemPut(M("tombstoned", "discord.message", Memory.Tombstoned, 11)),
            new MemPut(M("summary", CompactionPlanner.SummaryKind, Memory.Active, 12)),
            new MemPut(M("aggregate", Systems.MemoryIngestSystem.SpamAggregateKind, Memory.Active, 13)),
        ]);
        var everyKind = Defaults with
        {
            MinGroupSize = 2,
            Kinds = ImmutableSortedSet.Create(StringComparer.Ordinal, "discord.message", CompactionPlanner.SummaryKind, Systems.MemoryIngestSystem.SpamAggregateKind),
        };

        var plan = CompactionPlanner.Plan(store, everyKind, Later, ImmutableSortedSet.Create(StringComparer.Ordinal, "active4"));

        plan.Groups.ShouldHaveSingleItem().Members.ShouldBe(["active0", "active1", "active2", "active3"]);
    }

    [Fact]
    public void Plan_SessionPinsQueuedGroupsAndPendingEmbeddings_AreReserved()
    {
        var world = TestWorld.WithSession("janitor", out var session);
        world = world with { Sessions = world.Sessions.SetItem(session, world.Sessions[session] with { Persistent = ["pinned-by-session"] }) };
        var group = new CompactionGroup("h", "42", Day0, Day0 + 1, "-", ["queued-1", "queued-2"], Day0, Day0, 10);
        world = world.Spawn(out var commit).Spawn(out var embed);
        world = world with
        {
            Jobs = world.Jobs
                .Add(commit, new Job(Job.GcCommit, 20, JobStatus.Pending, "gc/commit|h", CompactionPlanner.WriteGroup(group)))
                .Add(embed, new Job(Job.EmbedCanonical, 50, JobStatus.Running, "m|canonical|x", "embed-1 embed-2")),
        };

        CompactionPlanner.Reserved(world).ShouldBe(["embed-1", "embed-2", "pinned-by-session", "queued-1", "queued-2"]);
    }

    [Fact]
    public void Plan_ClusterLargerThanMax_SplitsEvenlyInTimeOrder()
    {
        using var store = SqliteStore.InMemory();
        var world = Settings();
        string[] texts =
        [
            "api deploy started #deploy", "the canary looks healthy #deploy", "rolling out to eu-west next #deploy",
            "eu-west done, us-east starting #deploy", "us-east has a slow pod #deploy", "restarted the slow pod #deploy",
            "all regions green now #deploy", "closing the change ticket #deploy", "postmortem not needed #deploy",
        ];
        world = Step(store, world, Day0 + 5_000_000, [.. texts.Select((t, i) => (Events.Event)Message("m" + i, t, Day0 + i * 60_000))]);

        var plan = CompactionPlanner.Plan(store, Defaults with { MinGroupSize = 2, MaxGroupSize = 4 }, Later);

        plan.Groups.Select(g => g.Members.Length).ShouldBe([3, 3, 3]);
        plan.Groups.Select(g => g.Cluster).ShouldBe(["tag:deploy 1/3", "tag:deploy 2/3", "tag:deploy 3/3"]);
        plan.Groups.SelectMany(g => g.Members).ShouldBe([.. Enumerable.Range(0, 9).Select(i => IdOf(store, "m" + i))]);
        plan.Groups.Select(g => g.Hash).Distinct().Count().ShouldBe(3);
    }

    [Fact]
    public void WriteGroup_ReadGroup_RoundTrips()
    {
        var group = new CompactionGroup("abc", "42", Day0, Day0 + 5, "tag:x", ["a", "b"], Day0 + 1, Day0 + 2, 7);
        var back = CompactionPlanner.TryReadGroup(CompactionPlanner.WriteGroup(group)).ShouldNotBeNull();
        back.Members.ShouldBe(["a", "b"]);
        back.SummaryId.ShouldBe(CompactionPlanner.SummaryId("abc"));
        (back with { Members = group.Members }).ShouldBe(group);
        CompactionPlanner.TryReadGroup("not json").ShouldBeNull();
    }
}
