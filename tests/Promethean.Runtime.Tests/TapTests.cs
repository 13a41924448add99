using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Runtime.Config;
using Promethean.Runtime.Taps;
using Promethean.Stores.Sqlite;

namespace Promethean.Runtime.Tests;

public sealed class TapTests
{
    private sealed class Recorder : ITap
    {
        public List<TapPoint> Points { get; } = [];

        public void Observe(TapPoint point) => Points.Add(point);
    }

    /// <summary>Stands in for context building: every Discord message asks the model once.</summary>
    private static World AskOnMessage(World world, IStoreReader stores) =>
        world.EventsIn.OfType<DiscordMessageNew>().Any()
            ? world.Do(new LlmChat("builtin", "builtin", [new ChatMessage("user", "hi")], []))
            : world;

    private static ImmutableArray<ScheduledSystem> Systems =>
        [.. Schedule.Systems.Select(s => s.Name == "cephalon.step" ? new ScheduledSystem(s.Name, AskOnMessage) : s)];

    private static Engine NewEngine(SqliteStore store)
    {
        var dispatcher = new EffectDispatcher([], 1, TimeSpan.FromSeconds(5), NullLogger.Instance);
        var engine = new Engine(store, Systems, dispatcher, new EngineOptions { StatusEverySeconds = 0 }, TimeProvider.System, NullLogger.Instance);
        engine.Open(Genesis.Build(ConfigLoader.Load(null)));
        return engine;
    }

    private static ImmutableArray<Event> Batch(int tick, int messages)
    {
        var events = ImmutableArray.CreateBuilder<Event>();
        for (var i = 0; i < messages; i++)
        {
            events.Add(new DiscordMessageNew((1000 * tick + i).ToString(CultureInfo.InvariantCulture), "1", "9", "2", "ada", false,
                $"message {tick}.{i} about tap points", 1000L * tick + i));
        }
        events.Add(new LlmResponse($"{tick}-0", "ok", [], "stop", new LlmUsage(10, 2, false), 50, "builtin", "builtin"));
        events.Add(new ToolResult(new EntityId(2), $"call-{tick}", "notes.search", "[]", IsError: false));
        return events.ToImmutable();
    }

    [Fact]
    public void Step_WithTap_ObservesTheFiveTapPointsAfterTheirSystems()
    {
        using var store = SqliteStore.InMemory();
        var engine = NewEngine(store);
        var recorder = new Recorder();
        engine.AddTap(recorder);

        engine.Step(Batch(1, 2), 1000);

        recorder.Points.Select(p => p.Name).ShouldBe(TapPoints.All);
        recorder.Points.Select(p => p.AfterSystem).Distinct().ShouldBe(["route-events->sessions", "memory.ingest", "cephalon.step"]);
        recorder.Points.ShouldAllBe(p => p.Tick == 1);
        recorder.Points.Single(p => p.Name == TapPoints.AfterContextBuild).Effects.ShouldHaveSingleItem().ShouldBeOfType<LlmChat>();
        recorder.Points.Single(p => p.Name == TapPoints.AfterLlmResponse).Events.ShouldHaveSingleItem().ShouldBeOfType<LlmResponse>();
        recorder.Points.Single(p => p.Name == TapPoints.AfterToolExecution).Events.ShouldHaveSingleItem().ShouldBeOfType<ToolResult>();
        recorder.Points.Single(p => p.Name == TapPoints.AfterMemoryIngest).Events.OfType<MemoryCreated>().Count().ShouldBe(2);
    }

    [Fact]
    public void Step_ManyEvents_TapPayloadIsBoundedButCounted()
    {
        using var store = SqliteStore.InMemory();
        var engine = NewEngine(store);
        var recorder = new Recorder();
        engine.AddTap(recorder);

        engine.Step(Batch(1, 100), 1000);

        var routing = recorder.Points.Single(p => p.Name == TapPoints.AfterRouting);
        routing.Events.Length.ShouldBe(TapPoints.MaxItems);
        routing.EventCount.ShouldBeGreaterThanOrEqualTo(102);
    }

    [Fact]
    public void Step_WithTap_WorldHashesEqualARunWithout()
    {
        using var plain = SqliteStore.InMemory();
        using var tapped = SqliteStore.InMemory();
        var a = NewEngine(plain);
        var b = NewEngine(tapped);
        b.AddTap(new Recorder());
        for (var tick = 1; tick <= 5; tick++)
            b.Step(Batch(tick, 3), 1000L * tick).WorldHash.ShouldBe(a.Step(Batch(tick, 3), 1000L * tick).WorldHash);
    }

    [Fact]
    public void Step_TapThrows_TickStillCommits()
    {
        using var store = SqliteStore.InMemory();
        var engine = NewEngine(store);
        engine.AddTap(new Throwing());

        engine.Step(Batch(1, 1), 1000).Tick.ShouldBe(1);
        store.LastTick.ShouldBe(1);
    }

    private sealed class Throwing : ITap
    {
        public void Observe(TapPoint point) => throw new InvalidOperationException("observer bug");
    }
}
