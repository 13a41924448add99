using System.Collections.Immutable;
using CsCheck;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Ingest;
using Promethean.Core.Systems;
using Promethean.Stores.Sqlite;

namespace Promethean.Core.Tests;

public sealed class MemoryDedupeTests
{
    private const long Min = 60_000;

    private static DiscordMessageNew Msg(string id, string text, long ts, string channel = "10", bool bot = false, string author = "u1") =>
        new(id, channel, null, author, "ada", bot, text, ts);

    /// <summary>Runs ingest tick by tick, committing store effects like the engine does.</summary>
    private static World Ingest(SqliteStore store, World world, params DiscordMessageNew[][] ticks)
    {
        foreach (var batch in ticks)
        {
            world = MemoryIngestSystem.Update(TestWorld.Tick(world, batch.Length > 0 ? batch[^1].TimestampMs : world.TimeMs, batch), store);
            store.ApplyStoreEffects(world.Effects);
        }
        return world;
    }

    private static long Counter(World w, string name) => DebugStatsSystem.CountersOf(w)[name];

    [Fact]
    public void Update_SameTextSameChannelWithinWindow_RejectsAsContentHash()
    {
        using var store = SqliteStore.InMemory();
        var w = Ingest(store, World.Empty, [Msg("1", "the build is red again", 0)], [Msg("2", "the build is red again", 5 * Min)]);
        store.MemoryCount.ShouldBe(1);
        Counter(w, "ingest.rejected.content-hash").ShouldBe(1);
    }

    [Fact]
    public void Update_SameTextOutsideWindowOrOtherChannel_Accepts()
    {
        using var store = SqliteStore.InMemory();
        Ingest(store, World.Empty,
            [Msg("1", "the build is red again", 0)],
            [Msg("2", "the build is red again", 11 * Min)],
            [Msg("3", "the build is red again", 11 * Min, channel: "20")]);
        store.MemoryCount.ShouldBe(3);
    }

    [Fact]
    public void Update_DuplicateLaterInSameTick_IsSeen()
    {
        using var store = SqliteStore.InMemory();
        var w = Ingest(store, World.Empty, [Msg("1", "deploy done", 0), Msg("2", "deploy done", 1000), Msg("3", "Deploy done!!", 2000)]);
        store.MemoryCount.ShouldBe(1);
        Counter(w, "ingest.rejected.content-hash").ShouldBe(1);
        Counter(w, "ingest.rejected.near-duplicate").ShouldBe(1);
        w.EventsOut.OfType<MemoryCreated>().Count().ShouldBe(1);
    }

    [Fact]
    public void Update_MessagesOutOfTimeOrder_AreComparedByTheirOwnTimes()
    {
        using var store = SqliteStore.InMemory();
        var w = Ingest(store, World.Empty,
        [
            Msg("1", "alpha beta gamma delta epsilon", 20 * Min),
            Msg("2", "unrelated words in another thread", 5 * Min),
            Msg("3", "alpha beta gamma delta epsilon", 12 * Min),
            Msg("4", "unrelated words in another thread", 14 * Min),
            Msg("5", "unrelated words in another thread", 16 * Min),
        ]);
        // 3 is 8 minutes before 1, 4 is 9 minutes after 2 (inserted before 1 in time), 5 is 11 minutes after 2.
        store.MemoryCount.ShouldBe(3);
        Counter(w, "ingest.rejected.content-hash").ShouldBe(2);
        store.FindBySourceKey("discord:5").ShouldNotBeNull();
    }

    [Fact]
    public void Update_WarmedMessages_GiveTheSameWorldAndStoreAsCold()
    {
        var day = SyntheticDiscordDay.Generate();
        var ticks = SyntheticDiscordDay.Ticks(day).ToList();
        var genesis = World.Empty.Spawn(out var settingsId);
        var settings = new MemorySettings { Lexicon = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("deploys", ImmutableArray.Create("deploy", "release"))]) };
        genesis = genesis with { MemorySettings = genesis.MemorySettings.Add(settingsId, settings) };
        using var cold = SqliteStore.InMemory();
        using var warm = SqliteStore.InMemory();
        World coldWorld = genesis, warmWorld = genesis;
        var lexiconTagged = 0;
        foreach (var (i, (time, events)) in ticks.Index())
        {
            coldWorld = MemoryIngestSystem.Update(Schedule.BeginTick(coldWorld, time, events), cold);
            cold.ApplyStoreEffects(coldWorld.Effects);

            // The same messages as new instances, warmed first: every other tick under another lexicon, whose tags
            // the system must not take.
            var copies = events.Select(e => e is DiscordMessageNew m ? m with { } : e).ToImmutableArray();
            MemoryIngestSystem.Warm(copies, i % 2 == 0 ? settings : new MemorySettings());
            warmWorld = MemoryIngestSystem.Update(Schedule.BeginTick(warmWorld, time, copies), warm);
            warm.ApplyStoreEffects(warmWorld.Effects);

            Serialization.WorldHash.Compute(warmWorld).Hex.ShouldBe(Serialization.WorldHash.Compute(coldWorld).Hex, $"tick {i}");
            lexiconTagged += coldWorld.Effects.OfType<MemPut>().Count(p => p.Memory.Tags.Contains("deploys"));
        }
        lexiconTagged.ShouldBeGreaterThan(0);
        warm.MemoryCount.ShouldBe(cold.MemoryCount);
        warmWorld.Effects.OfType<MemPut>().Select(p => Serialization.CanonicalJson.SerializeToString(p.Memory))
            .ShouldBe(coldWorld.Effects.OfType<MemPut>().Select(p => Serialization.CanonicalJson.SerializeToString(p.Memory)));
        cold.MemoryCount.ShouldBeGreaterThan(100);
    }

    [Fact]
    public void Update_CosmeticVariant_RejectsAsNearDuplicate()
    {
        using var store = SqliteStore.InMemory();
        const string text = "Has anyone tried the new build of the notes sync? It keeps failing on my laptop since this morning.";
        var w = Ingest(store, World.Empty, [Msg("1", text, 0)], [Msg("2", "has anyone tried the NEW build of the notes sync?? it keeps failing on my laptop since this morning 😭", 2 * Min)]);
        Counter(w, "ingest.rejected.near-duplicate").ShouldBe(1);
    }

    [Fact]
    public void Update_BotRepeatsPattern_FoldsIntoOneAggregatePerBucket()
    {
        using var store = SqliteStore.InMemory();
        var world = World.Empty;
        var ticks = Enumerable.Range(0, 10)
            .Select(i => new[] { Msg($"m{i}", $"Reminder: the embedding backlog is at {100 + i * 37} items.", i * 5 * Min, bot: true) })
            .ToArray();
        world = Ingest(store, world, ticks);
        Counter(world, "ingest.accepted").ShouldBe(3);
        Counter(world, "ingest.spam.aggregates").ShouldBe(1);
        Counter(world, "ingest.rejected.spam-family").ShouldBe(7);
        var aggregate = store.AllMemories().Single(m => m.Kind == MemoryIngestSystem.SpamAggregateKind);
        aggregate.Source["count"].ShouldBe("7");
        aggregate.Source["firstSeenMs"].ShouldBe((15 * Min).ToString(System.Globalization.CultureInfo.InvariantCulture));
        aggregate.Source["lastSeenMs"].ShouldBe((45 * Min).ToString(System.Globalization.CultureInfo.InvariantCulture));
        aggregate.Tags.ShouldContain("spam-family");
    }

    [Fact]
    public void Update_SpamBucketRollsOver_StartsNewAggregate()
    {
        using var store = SqliteStore.InMemory();
        var ticks = Enumerable.Range(0, 10)
            .Select(i => new[] { Msg($"m{i}", $"uptime check {i}: all {i + 3} services healthy", i * 15 * Min, bot: true) })
            .ToArray();
        var w = Ingest(store, World.Empty, ticks);
        store.AllMemories().Count(m => m.Kind == MemoryIngestSystem.SpamAggregateKind).ShouldBe(2);
        Counter(w, "ingest.accepted").ShouldBe(8);
    }

    [Theory]
    [InlineData("lone-surrogate", "invalid-text")]
    [InlineData(" \n\t ", "empty")]
    public void Update_BadText_RejectsWithReason(string text, string reason)
    {
        if (text == "lone-surrogate")
            text = new string(['\ud800', ' ', 'x']);
        using var store = SqliteStore.InMemory();
        var w = Ingest(store, World.Empty, [Msg("1", text, 0)]);
        store.MemoryCount.ShouldBe(0);
        Counter(w, "ingest.rejected." + reason).ShouldBe(1);
    }

    [Fact]
    public void Update_HugeText_RejectsAsTooLong()
    {
        using var store = SqliteStore.InMemory();
        var w = Ingest(store, World.Empty, [Msg("1", new string('x', 70_000), 0)]);
        Counter(w, "ingest.rejected.too-long").ShouldBe(1);
    }

    [Fact]
    public void Update_SettingsInWorld_AreUsed()
    {
        using var store = SqliteStore.InMemory();
        var world = World.Empty.Spawn(out var id);
        world = world with { MemorySettings = world.MemorySettings.Add(id, new MemorySettings { DedupeWindowMs = 60 * Min }) };
        var w = Ingest(store, world, [Msg("1", "same words here", 0)], [Msg("2", "same words here", 30 * Min)]);
        Counter(w, "ingest.rejected.content-hash").ShouldBe(1);
    }

    [Fact]
    public void Tag_Message_ExtractsTiers()
    {
        const string text = "See https://www.example.org/docs #Architecture <@123> got System.IO.IOException\n```python\nx=1\n```\nerror CS1002";
        var lexicon = ImmutableSortedDictionary<string, ImmutableArray<string>>.Empty.Add("ecs", ["entity component system", "ecs"]);
        var set = Tagger.Tag(text + " our ECS loop", new TagContext("discord", "10", "u1", false), lexicon);
        set.Tags.ShouldBe(["architecture", "author:human", "ecs", "error", "lang:python", "mention", "source:discord", "url:example.org"]);
        set.Keys.ShouldBe(["author:123", "author:u1", "chan:10", "err:CS1002", "err:System.IO.IOException", "lang:python", "tag:architecture", "tag:ecs", "url:example.org"]);
    }

    [Fact]
    public void Tag_NoteWithFrontmatter_TakesItsTagsAndPath()
    {
        var set = Tagger.Tag("---\ntitle: A\ntags:\n  - Meeting Notes\n  - q3\n---\nbody", new TagContext("fs", Path: "docs/notes/a.md"), ImmutableSortedDictionary<string, ImmutableArray<string>>.Empty);
        set.Tags.ShouldBe(["ext:md", "folder:notes", "meeting-notes", "q3", "source:fs"]);
        set.Keys.ShouldBe(["dir:docs/notes", "path:docs/notes/a.md", "tag:meeting-notes", "tag:q3"]);
    }

    [Fact]
    public void SpamPattern_MasksVariableParts()
    {
        SpamPattern.Of("Build #4412 by <@123456789012345678> finished in 4m 12s: https://ci.example.org/run/99 🎉")
            .ShouldBe("build #<n> by <at> finished in <n>m <n>s: <url>");
        SpamPattern.Of("job 5f3a9c2e1b7d done").ShouldBe(SpamPattern.Of("job 0a1b2c3d4e5f done"));
    }

    [Fact]
    public void SimHash_CaseAndPunctuation_DoNotMove()
    {
        SimHash.Compute("Hello, World! this is a test").ShouldBe(SimHash.Compute("hello world this is a TEST!!"));
        SimHash.Compute("🎉 !!").ShouldBeNull();
    }

    /// <summary>
    /// Fingerprints are stored (memory_dedupe) and compared with new ones, so they must not move between versions:
    /// these are the values of the first implementation (64 +1/-1 counters per feature), which the bit-sliced
    /// counting must reproduce, including a text whose feature count needs nine levels of carry.
    /// </summary>
    [Theory]
    [InlineData("the build failed again on main", 0x0186c52411074306UL)]
    [InlineData("Hello, World! this is a test", 0x48c80cc1901c8180UL)]
    [InlineData("two words", 0x10c7b2b4dd05bbccUL)]
    [InlineData(null, 0x00e4b0f912ed7b48UL)]
    public void SimHash_Fingerprints_AreStableAcrossVersions(string? text, ulong expected)
    {
        text ??= string.Join(' ', Enumerable.Range(0, 500).Select(i => "w" + (i % 97)));
        SimHash.Compute(text).ShouldBe(expected);
    }

    [Fact]
    public void SimHash_UnrelatedTexts_AreFarApart()
    {
        Gen.String[Gen.Char.AlphaNumeric, 20, 60].Select(Gen.String[Gen.Char.AlphaNumeric, 20, 60]).Sample((a, b) =>
        {
            var x = SimHash.Compute(a + " " + a + " alpha beta");
            var y = SimHash.Compute(b + " " + b + " gamma delta");
            return a == b || SimHash.Distance(x!.Value, y!.Value) > 6;
        }, iter: 500);
    }

    [Fact]
    public void SimHash_Deterministic_ForAnyText()
    {
        Gen.String.Sample(s => SimHash.Compute(s) == SimHash.Compute(new string(s.ToCharArray())), iter: 300);
    }
}
