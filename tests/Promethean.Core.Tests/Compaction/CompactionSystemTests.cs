using Promethean.Core.Compaction;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Retrieval;
using Promethean.Core.Systems;
using Promethean.Stores.Sqlite;
using static Promethean.Core.Tests.Compaction.CompactionFixture;

namespace Promethean.Core.Tests.Compaction;

public sealed class CompactionSystemTests
{
    private const string BackupSummary =
        "ada: The nightly backup job runs at 03:00 UTC on nas01, keeps 30 days for the photo share, restore tests every Monday; "
        + "the key is in the vault under ops/backup; Borg exits with code 2 when a backup fails.";

    private const string ChatterSummary = "Morning greetings, a lunch plan at noon and a late standup.";

    /// <summary>Seeds (unless given a seeded world), asks for compaction on day 10 and answers both summary calls.</summary>
    private static World Compact(SqliteStore store, out World planned, World? seeded = null)
    {
        var world = seeded ?? Seed(store, Settings());
        planned = Step(store, world, Later, new GcRequested("test"));
        return Step(store, planned, Later + 1000, [.. planned.Effects.OfType<LlmChat>().Select(c => Reply(c, Text(c)))]);

        static string Text(LlmChat c) => c.Messages[^1].Content.Contains("backup", StringComparison.Ordinal) ? BackupSummary : ChatterSummary;
    }

    [Fact]
    public void Update_GcRequested_QueuesOneCommitPerGroupAndAsksForSummaries()
    {
        using var store = SqliteStore.InMemory();
        Compact(store, out var planned);

        var plan = planned.EventsOut.OfType<GcPlanned>().ShouldHaveSingleItem();
        plan.Groups.ShouldBe(2);
        plan.Members.ShouldBe(9);
        plan.Queued.Length.ShouldBe(2);
        var chats = planned.Effects.OfType<LlmChat>().ToList();
        chats.Count.ShouldBe(2);
        chats.ShouldAllBe(c => c.Meta["contract"] == SummaryPrompt.Contract && c.Meta["purpose"] == CompactionSystem.Purpose);
        chats.Select(c => c.Meta["group"]).Order().ShouldBe(plan.Queued.Order());
        var backup = chats.Single(c => c.Messages[^1].Content.Contains("nas01", StringComparison.Ordinal));
        SummaryPrompt.ParseSources(backup.Messages[^1].Content).Select(s => s.Text).ShouldBe(BackupFacts);
        planned.Jobs.Values.Where(j => j.Type == Job.GcCommit).ShouldAllBe(j => j.Status == JobStatus.Running);
        planned.Jobs.Values.ShouldNotContain(j => j.Type == Job.GcPlan);
        // The embedding worker never mistakes a gc job for its own.
        planned.Effects.OfType<LlmEmbed>().ShouldBeEmpty();
    }

    [Fact]
    public void Update_SummaryResponse_WritesOneSummaryTombstonesSourcesAndDeletesTheirVectors()
    {
        using var store = SqliteStore.InMemory();
        var seeded = Seed(store, Settings());
        var sources = Enumerable.Range(0, 5).Select(i => IdOf(store, "b" + i)).ToList();
        store.VectorCount(Model, "canonical").ShouldBe(11);

        var world = Compact(store, out _, seeded);

        var summaries = world.Effects.OfType<MemPut>().Select(p => p.Memory).ToList();
        summaries.Count.ShouldBe(2);
        var summary = summaries.Single(m => m.Text == BackupSummary);
        summary.Kind.ShouldBe(CompactionPlanner.SummaryKind);
        summary.Source["sources"].Split(' ').ShouldBe(sources);
        summary.Source["count"].ShouldBe("5");
        summary.NexusKeys.ShouldContain("tag:backup");
        summary.NexusKeys.ShouldContain("chan:42");
        summary.Tags.ShouldContain("summary");
        world.Effects.OfType<MemTombstone>().Count().ShouldBe(9);
        world.Effects.OfType<VectorDelete>().Select(d => d.MemoryId).ShouldContain(sources[0]);
        world.EventsOut.OfType<GcCommitted>().Select(c => c.Outcome).ShouldBe([GcCommitted.Written, GcCommitted.Written]);
        world.Jobs.Values.ShouldNotContain(j => j.Type == Job.GcCommit);
        world.Effects.OfType<TimerWake>().ShouldHaveSingleItem().Meta["purpose"].ShouldBe(CompactionSystem.Purpose);

        foreach (var id in sources)
        {
            var source = store.GetMemory(id)!;
            source.Lifecycle.ShouldBe(Memory.Tombstoned);
            source.Source["summary"].ShouldBe(summary.Id);
        }
        store.Postings("tag:backup", 10).ShouldBe([summary.Id]);
        store.KeyDegree("tag:backup").ShouldBe(1);
        // Vectors: the nine sources' are gone, the two summaries' come with the next embedding round.
        store.VectorCount(Model, "canonical").ShouldBe(2);
        world = DrainEmbeddings(store, world);
        store.VectorCount(Model, "canonical").ShouldBe(4);
        store.VectorSearch(Model, "canonical", [1f, 0.1f, 0f], 1).ShouldHaveSingleItem().Id.ShouldBe(summary.Id);
    }

    [Fact]
    public void Search_AfterCompaction_FindsTheFactsThroughTheSummaryAndNoSource()
    {
        using var store = SqliteStore.InMemory();
        var world = DrainEmbeddings(store, Compact(store, out _));
        var summaryId = store.AllMemories().Single(m => m.Kind == CompactionPlanner.SummaryKind && m.Text == BackupSummary).Id;

        var hits = MemoryRetrieval.Search(store, new RetrievalQuery("when does the backup job run", [1f, 0.1f, 0f], ["tag:backup"], world.TimeMs));

        hits[0].MemoryId.ShouldBe(summaryId);
        hits[0].Vector.ShouldBeGreaterThan(0.9);
        hits[0].Keyword.ShouldBeGreaterThan(0);
        hits[0].Walk.ShouldBeGreaterThan(0);
        hits.ShouldAllBe(h => store.GetMemory(h.MemoryId)!.Lifecycle != Memory.Tombstoned);
        store.KeywordSearch("backup nas01 Borg", 50).Select(h => h.Id).ShouldBe([summaryId]);
    }

    [Fact]
    public void Update_CompactTwice_SecondIsANoOp()
    {
        using var store = SqliteStore.InMemory();
        var world = DrainEmbeddings(store, Compact(store, out var planned));
        var digest = store.MemoryDigest();
        var count = store.MemoryCount;

        // A second request plans nothing: the sources are tombstoned, summaries are never candidates.
        var again = Step(store, world, Later + 60_000, new GcRequested("test"));
        again.EventsOut.OfType<GcPlanned>().ShouldHaveSingleItem().Queued.ShouldBeEmpty();
        again.Effects.OfType<LlmChat>().ShouldBeEmpty();

        // The same answers delivered again (a redelivery after a crash) find no running job: nothing is written.
        var replayed = Step(store, again, Later + 61_000, [.. planned.Effects.OfType<LlmChat>().Select(c => Reply(c, "a different text"))]);
        replayed.Effects.OfType<MemPut>().ShouldBeEmpty();
        replayed.Effects.OfType<MemTombstone>().ShouldBeEmpty();

        store.MemoryDigest().ShouldBe(digest);
        store.MemoryCount.ShouldBe(count);
    }

    [Fact]
    public void Update_CommitJobForAGroupAlreadySummarized_EndsWithoutCallingTheModel()
    {
        using var store = SqliteStore.InMemory();
        var world = Seed(store, Settings());
        var group = CompactionPlanner.Plan(store, world.MemoryConfig.Compaction, Later).Groups[0];
        world = DrainEmbeddings(store, Compact(store, out _));
        var digest = store.MemoryDigest();

        // A stale job for the same group (e.g. queued by an older plan) meets the existing summary.
        world = world.Spawn(out var job);
        world = world with { Jobs = world.Jobs.Add(job, new Job(Job.GcCommit, 20, JobStatus.Pending, CompactionSystem.CommitDedupeKey(group.Hash), CompactionPlanner.WriteGroup(group))) };
        var next = Step(store, world, Later + 120_000);

        next.Effects.OfType<LlmChat>().ShouldBeEmpty();
        next.EventsOut.OfType<GcCommitted>().ShouldHaveSingleItem().Outcome.ShouldBe(GcCommitted.AlreadyCommitted);
        next.Jobs.ContainsKey(job).ShouldBeFalse();
        store.MemoryDigest().ShouldBe(digest);
    }

    [Fact]
    public void Update_ModelErrors_RetryWithBackoffThenFailLeavingSourcesActive()
    {
        using var store = SqliteStore.InMemory();
        var world = Seed(store, Settings(new CompactionSettings { MaxAttempts = 2, BackoffMs = 5000, MaxInFlight = 1 }));
        world = Step(store, world, Later, new GcRequested("test"));
        var chat = world.Effects.OfType<LlmChat>().ShouldHaveSingleItem();

        world = Step(store, world, Later + 1000, new EffectError(chat.Id, "llm/chat", "503 from the server", true) { Meta = chat.Meta });
        var retried = world.Jobs.Values.Single(j => j.DedupeKey == CompactionSystem.CommitDedupeKey(chat.Meta["group"]));
        retried.Status.ShouldBe(JobStatus.Pending);
        retried.Attempt.ShouldBe(1);
        retried.NotBeforeMs.ShouldBe(Later + 6000);
        world.Effects.OfType<TimerWake>().ShouldHaveSingleItem().DueMs.ShouldBe(Later + 6000);
        // The in-flight slot freed: the other group's call starts meanwhile.
        world.Effects.OfType<LlmChat>().ShouldHaveSingleItem().Meta["group"].ShouldNotBe(chat.Meta["group"]);

        world = Step(store, world, Later + 6000, new EffectError(world.Effects.OfType<LlmChat>().Single().Id, "llm/chat", "503", true)
        {
            Meta = world.Effects.OfType<LlmChat>().Single().Meta,
        });
        var again = world.Effects.OfType<LlmChat>().ShouldHaveSingleItem();
        again.Meta["group"].ShouldBe(chat.Meta["group"]);
        world = Step(store, world, Later + 7000, new EffectError(again.Id, "llm/chat", "503", true) { Meta = again.Meta });

        world.EventsOut.OfType<GcCommitted>().ShouldHaveSingleItem().Outcome.ShouldBe(GcCommitted.Failed);
        DebugStatsSystem.CountersOf(world)["gc.failed"].ShouldBe(1);
        store.AllMemories().ShouldAllBe(m => m.Lifecycle == Memory.Active);
    }

    [Fact]
    public void Update_SourceTombstonedBeforeTheAnswer_GroupIsStaleAndNothingIsWritten()
    {
        using var store = SqliteStore.InMemory();
        var world = Seed(store, Settings());
        world = Step(store, world, Later, new GcRequested("test"));
        var chat = world.Effects.OfType<LlmChat>().First(c => c.Messages[^1].Content.Contains("nas01", StringComparison.Ordinal));
        store.ApplyStoreEffects([new MemTombstone(IdOf(store, "b2"), "elsewhere")]);

        world = Step(store, world, Later + 1000, Reply(chat, BackupSummary));

        world.EventsOut.OfType<GcCommitted>().ShouldHaveSingleItem().Outcome.ShouldBe(GcCommitted.Stale);
        world.Effects.OfType<MemPut>().ShouldBeEmpty();
        store.GetMemory(IdOf(store, "b0"))!.Lifecycle.ShouldBe(Memory.Active);
    }

    [Fact]
    public void Update_EveryMs_SchedulesThePlanAndRunsItWhenDue()
    {
        using var store = SqliteStore.InMemory();
        var world = Seed(store, Settings(new CompactionSettings { EveryMs = 3_600_000 }));
        var plan = world.Jobs.Values.ShouldHaveSingleItem();
        plan.Type.ShouldBe(Job.GcPlan);
        var due = plan.NotBeforeMs;

        world = Step(store, world, due - 1);
        world.EventsOut.OfType<GcPlanned>().ShouldBeEmpty();

        world = Step(store, world, Later);
        world.EventsOut.OfType<GcPlanned>().ShouldHaveSingleItem().Queued.Length.ShouldBe(2);
        world.Jobs.Values.Single(j => j.Type == Job.GcPlan).NotBeforeMs.ShouldBe(Later + 3_600_000);
    }

    [Fact]
    public void Update_CompactionOff_LeavesTheWorldAlone()
    {
        using var store = SqliteStore.InMemory();
        var world = TestWorld.Tick(Settings(), Later);
        CompactionSystem.Update(world, store).ShouldBeSameAs(world);
    }
}
