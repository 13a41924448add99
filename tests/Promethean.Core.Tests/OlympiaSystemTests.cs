using System.Collections.Immutable;
using Promethean.Core.Components;
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

    private static World Priced(World world, params (string Key, TokenPrice Price)[] prices)
    {
        world = world.Spawn(out var id);
        var table = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, prices.Select(p => new KeyValuePair<string, TokenPrice>(p.Key, p.Price)));
        return world with { OlympiaSettings = world.OlympiaSettings.Add(id, new OlympiaSettings(table)) };
    }

    [Fact]
    public void Update_PricedModel_AddsCostPerSessionAndModel()
    {
        using var store = SqliteStore.InMemory();
        var world = Priced(TestWorld.WithSession("janitor", out var id), ("local|qw", new TokenPrice(2, 10)), ("local|qwen", new TokenPrice(1, 4)), ("local|*", new TokenPrice(50, 50)));
        LlmResponse Call(string model, string endpoint) =>
            new("1-0", "hi", [], "stop", new LlmUsage(10, 5, false), 10, model, endpoint) { Meta = SessionMeta(id) };

        world = OlympiaSystem.Update(TestWorld.Tick(world, 1, Call("qwen-2.5-7b", "local"), Call("qwen-2.5-7b", "local"), Call("mistral", "local"), Call("qwen", "remote")), store);

        var windows = world.Olympia.Single().Value.Windows;
        // Longest configured prefix wins: (10 x 1 + 5 x 4) / 1M per call.
        windows["janitor|qwen-2.5-7b"].CostUsd.ShouldBe(2 * 30e-6, 1e-12);
        windows["janitor|qwen-2.5-7b"].PricedCalls.ShouldBe(2);
        windows["janitor|mistral"].CostUsd.ShouldBe(750e-6, 1e-12);
        // No price for the endpoint: calls and tokens count, cost stays unknown.
        windows["janitor|qwen"].Calls.ShouldBe(1);
        windows["janitor|qwen"].PricedCalls.ShouldBe(0);
        windows["janitor|qwen"].CostUsd.ShouldBe(0);
    }

    [Fact]
    public void Update_CallWithoutSession_IsKeyedByItsPurpose()
    {
        using var store = SqliteStore.InMemory();
        var meta = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal).Add("purpose", "compaction");
        var world = OlympiaSystem.Update(TestWorld.Tick(World.Empty, 1,
            new LlmResponse("1-0", "summary", [], "stop", new LlmUsage(100, 20, false), 30, "builtin", "builtin") { Meta = meta }), store);
        world.Olympia.Single().Value.Windows["compaction|builtin"].PromptTokens.ShouldBe(100);
    }

    [Fact]
    public void Update_QuietTick_ChangesNothing()
    {
        using var store = SqliteStore.InMemory();
        var world = TestWorld.Tick(World.Empty, 1);
        OlympiaSystem.Update(world, store).ShouldBeSameAs(world);
    }
}
