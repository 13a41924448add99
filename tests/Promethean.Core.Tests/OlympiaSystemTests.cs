using System.Collections.Immutable;
using Promethean.Core.Events;
using Promethean.Core.Systems;
using Promethean.Stores.Sqlite;

namespace Promethean.Core.Tests;

public sealed class OlympiaSystemTests
{
    private static ImmutableSortedDictionary<string, string> SessionMeta(EntityId id) =>
        ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal).Add("session", id.ToString());

    private static LlmResponse Reply(EntityId session, long latency, string text) =>
        new("1-0", text, [], "stop", new LlmUsage(10, 5, false), latency, "qwen", "local") { Meta = SessionMeta(session) };

    [Fact]
    public void Update_LlmResponses_GiveLatencyQuantilesTokensAndSilence()
    {
        using var store = SqliteStore.InMemory();
        var world = TestWorld.WithSession("janitor", out var id);
        for (var i = 1; i <= 20; i++)
            world = OlympiaSystem.Update(TestWorld.Tick(world, i, Reply(id, i * 10, i % 4 == 0 ? "<cephalon:silence/>" : "hello")), store);
        var window = world.Olympia.Single().Value.Windows["janitor|qwen"];
        window.Calls.ShouldBe(20);
        window.LatencyP50.ShouldBe(100);
        window.LatencyP95.ShouldBe(190);
        window.PromptTokens.ShouldBe(200);
        window.SilenceRatio.ShouldBe(0.25);
    }

    [Fact]
    public void Update_SentinelFirstTryPassRate_CountsRetriedOnesAsNotFirstTry()
    {
        using var store = SqliteStore.InMemory();
        var a = new EntityId(100);
        var b = new EntityId(101);
        var world = OlympiaSystem.Update(TestWorld.Tick(World.Empty, 1, new SentinelRetry(b, 1, ["title: empty"])), store);
        world = OlympiaSystem.Update(TestWorld.Tick(world, 2, new SentinelDone(a, "a.md", "written"), new SentinelDone(b, "b.md", "written")), store);
        world.Olympia.Single().Value.SentinelFirstTryPassRate.ShouldBe(0.5);
    }

    [Fact]
    public void Update_ToolErrorsAndDedupeRatio()
    {
        using var store = SqliteStore.InMemory();
        var world = TestWorld.WithSession("s", out var id);
        world = DebugStatsSystem.Count(world, "ingest.rejected.source-id", 3);
        world = OlympiaSystem.Update(TestWorld.Tick(world, 1,
            new ToolResult(id, "c1", "search", "ok", false), new ToolResult(id, "c2", "read", "denied", true),
            new MemoryCreated("m1", "k", [], [])), store);
        var m = world.Olympia.Single().Value;
        m.Windows["s|-"].ToolErrors.ShouldBe(1);
        m.DedupeRatio.ShouldBe(0.75);
    }

    [Fact]
    public void Update_QuietTick_ChangesNothing()
    {
        using var store = SqliteStore.InMemory();
        var world = TestWorld.Tick(World.Empty, 1);
        OlympiaSystem.Update(world, store).ShouldBeSameAs(world);
    }
}
