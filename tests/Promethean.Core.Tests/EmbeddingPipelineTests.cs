using System.Collections.Immutable;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Systems;
using Promethean.Stores.Sqlite;

namespace Promethean.Core.Tests;

public sealed class EmbeddingPipelineTests
{
    private static readonly ImmutableArray<ScheduledSystem> Pipeline =
    [
        new("memory.ingest", MemoryIngestSystem.Update),
        new("eidolon.index", EidolonIndexSystem.Update),
        new("embedding.worker.step", EmbeddingWorkerSystem.Update),
    ];

    private static World Settings(MemorySettings settings)
    {
        var world = World.Empty.Spawn(out var id);
        return world with { MemorySettings = world.MemorySettings.Add(id, settings) };
    }

    private static DiscordMessageNew Msg(string id, string text, string channel = "10") => new(id, channel, null, "u1", "ada", false, text, 1000);

    private static World Step(SqliteStore store, World world, long time, params Event[] events)
    {
        var next = Schedule.Run(Schedule.BeginTick(world, time, [.. events]), store, Pipeline);
        store.ApplyStoreEffects(next.Effects);
        return next;
    }

    private static LlmEmbedResult Answer(LlmEmbed embed) =>
        new(embed.Id, embed.Model, [.. embed.Inputs.Select((_, i) => ImmutableArray.Create(1f, i, 0.5f))]) { Meta = embed.Meta };

    [Fact]
    public void Index_NewMemory_LinksKeysAndEnqueuesCanonicalAndEidolonJobs()
    {
        using var store = SqliteStore.InMemory();
        var w = Step(store, World.Empty, 1000, Msg("1", "the sqlite wal grows #storage"));
        w.Effects.OfType<NexusLink>().ShouldHaveSingleItem().Keys.ShouldContain("tag:storage");
        w.EventsOut.OfType<EidolonIndexed>().ShouldHaveSingleItem();
        w.Jobs.Values.Select(j => j.Type).Order().ShouldBe([Job.EmbedCanonical, Job.EmbedEidolon]);
        w.EventsOut.OfType<EmbeddingJobEnqueued>().Count().ShouldBe(2);
        w.Effects.OfType<LlmEmbed>().ShouldHaveSingleItem().Inputs.Length.ShouldBe(2);
        store.KeyDegree("tag:storage").ShouldBe(1);
        store.Postings("chan:10", 10).ShouldHaveSingleItem();
    }

    [Fact]
    public void Worker_SameTick_BatchesThenStoresVectorsOnResult()
    {
        using var store = SqliteStore.InMemory();
        var w = Step(store, World.Empty, 1000, Msg("1", "alpha beta gamma"), Msg("2", "delta epsilon zeta"));
        var embed = w.Effects.OfType<LlmEmbed>().ShouldHaveSingleItem();
        embed.Endpoint.ShouldBe("local");
        embed.Inputs.Length.ShouldBe(4);
        embed.Inputs[0].ShouldBe("alpha beta gamma");
        w.Jobs.Values.ShouldAllBe(j => j.Status == JobStatus.Running);

        w = Step(store, w, 3000, Answer(embed));
        w.Jobs.ShouldBeEmpty();
        w.EventsOut.OfType<EmbeddingJobDone>().Count().ShouldBe(4);
        w.Effects.OfType<VectorPut>().Count().ShouldBe(4);
        store.VectorCount("all-MiniLM-L6-v2", "canonical").ShouldBe(2);
        var id = store.FindBySourceKey("discord:1")!.Id;
        store.VectorSearch("all-MiniLM-L6-v2", "canonical", [1f, 0f, 0.5f], 1).ShouldHaveSingleItem().Id.ShouldBe(id);
    }

    [Fact]
    public void Worker_Errors_RetryWithBackoffThenFail()
    {
        using var store = SqliteStore.InMemory();
        var w = Step(store, Settings(new MemorySettings { EmbedEidolon = false, EmbedMaxAttempts = 2, EmbedBackoffMs = 1000 }), 2000, Msg("1", "alpha"));
        var embed = w.Effects.OfType<LlmEmbed>().Single();
        w = Step(store, w, 3000, new EffectError(embed.Id, "llm/embed", "boom", true) { Meta = embed.Meta });
        var job = w.Jobs.Values.ShouldHaveSingleItem();
        job.Status.ShouldBe(JobStatus.Pending);
        job.Attempt.ShouldBe(1);
        job.NotBeforeMs.ShouldBe(4000);
        w.Effects.OfType<LlmEmbed>().ShouldBeEmpty();

        w = Step(store, w, 4000);
        var retry = w.Effects.OfType<LlmEmbed>().Single();
        w = Step(store, w, 5000, new EffectError(retry.Id, "llm/embed", "boom", true) { Meta = retry.Meta });
        w.Jobs.ShouldBeEmpty();
        w.EventsOut.OfType<EmbeddingJobDone>().ShouldHaveSingleItem().Succeeded.ShouldBeFalse();
        DebugStatsSystem.CountersOf(w)["embed.failed"].ShouldBe(1);
    }

    [Fact]
    public void Index_QueueFull_DefersLowestPriorityAndBringsItBack()
    {
        using var store = SqliteStore.InMemory();
        var settings = new MemorySettings { EmbedEidolon = false, MaxPendingJobs = 2, EmbedBatchSize = 1, EmbedMaxInFlight = 1 };
        var w = Step(store, Settings(settings), 1000, Msg("1", "one"), Msg("2", "two"), Msg("3", "three"));
        w.Jobs.Count.ShouldBe(2);
        store.DeferredJobCount.ShouldBe(1);
        DebugStatsSystem.CountersOf(w)["embed.deferred"].ShouldBe(1);

        var done = 0;
        for (var t = 2000; t < 20000 && done < 3; t += 1000)
        {
            var embeds = w.Effects.OfType<LlmEmbed>().ToList();
            w = Step(store, w, t, [.. embeds.Select(Answer)]);
            done += w.EventsOut.OfType<EmbeddingJobDone>().Count(d => d.Succeeded);
        }
        done.ShouldBe(3);
        store.DeferredJobCount.ShouldBe(0);
        store.VectorCount("all-MiniLM-L6-v2", "canonical").ShouldBe(3);
    }

    [Fact]
    public void Index_SameTextTwice_MergesIntoOneJob()
    {
        using var store = SqliteStore.InMemory();
        var w = Step(store, Settings(new MemorySettings { EmbedEidolon = false }), 1000, Msg("1", "same text", "10"), Msg("2", "same text", "20"));
        var job = w.Jobs.Values.ShouldHaveSingleItem();
        job.Payload.Split(' ').Length.ShouldBe(2);
        w = Step(store, w, 3000, Answer(w.Effects.OfType<LlmEmbed>().Single()));
        store.VectorCount("all-MiniLM-L6-v2", "canonical").ShouldBe(2);
    }
}
