using System.Collections.Immutable;
using CsCheck;
using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core;
using Promethean.Core.Events;
using Promethean.Core.Serialization;
using Promethean.Runtime.Config;
using Promethean.Stores.Sqlite;

namespace Promethean.Runtime.Tests;

public sealed class DeterminismPropertyTests
{
    private static readonly Gen<Event> GenEvent = Gen.OneOf<Event>(
        Gen.Select(Gen.Int[1, 40], Gen.Int[0, 2], Gen.Int[0, 5], Gen.Bool,
            (id, channel, text, bot) => new DiscordMessageNew($"{id}", $"c{channel}", null, $"u{text % 3}", "n", bot,
                $"message {text} in c{channel}", id * 1000L)),
        Gen.Select(Gen.Int[0, 3], Gen.Long[0, 10_000], (t, due) => new TimerTick($"t{t}", due)),
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, 3], (n, h) => new FsFileCreated($"docs/notes/n{n}.md", $"h{h}", 10)));

    private static readonly Gen<ImmutableArray<ImmutableArray<Event>>> GenStream =
        GenEvent.Array[0, 12].Select(a => a.ToImmutableArray()).Array[1, 25].Select(a => a.ToImmutableArray());

    /// <summary>An engine over <paramref name="store"/> with no effect handlers, opened on the default config's genesis.</summary>
    private static Engine OpenEngine(SqliteStore store, int snapshotEveryTicks)
    {
        var engine = new Engine(store, Schedule.Systems, new EffectDispatcher([], 8, TimeSpan.FromSeconds(1), NullLogger.Instance),
            new EngineOptions { StatusEverySeconds = 0, SnapshotEveryTicks = snapshotEveryTicks }, TimeProvider.System, NullLogger.Instance);
        engine.Open(Genesis.Build(ConfigLoader.Load(null)));
        return engine;
    }

    private static List<string> Run(SqliteStore store, ImmutableArray<ImmutableArray<Event>> stream)
    {
        var engine = OpenEngine(store, snapshotEveryTicks: 7);
        var hashes = new List<string>();
        for (var i = 0; i < stream.Length; i++)
            hashes.Add(engine.Step(stream[i], 1000L * (i + 1)).WorldHash);
        return hashes;
    }

    [Fact]
    public void RandomEventStreams_RunThenReplay_IdenticalHashesAtEveryTick()
    {
        GenStream.Sample(stream =>
        {
            using var first = SqliteStore.InMemory();
            using var second = SqliteStore.InMemory();
            var a = Run(first, stream);
            var b = Run(second, stream);
            b.ShouldBe(a);

            var replay = Replayer.Replay(first, Schedule.Systems);
            replay.DivergedAtTick.ShouldBeNull();
            replay.TicksVerified.ShouldBe(stream.Length);
            replay.FinalHash.ShouldBe(a[^1]);
            replay.StoresMatch.ShouldBeTrue();
        }, iter: 40);
    }

    /// <summary>The snapshot is written as a stream; it equals the canonical form of the node tree it used to build.</summary>
    [Fact]
    public void RandomEventStreams_SnapshotJson_IsTheCanonicalFormOfTheWorldsNodeTree()
    {
        var stream = GenEvent.Array[0, 40].Select(a => a.ToImmutableArray()).Array[1, 8].Select(a => a.ToImmutableArray());
        stream.Sample(ticks =>
        {
            using var store = SqliteStore.InMemory();
            var engine = OpenEngine(store, snapshotEveryTicks: 0);
            for (var i = 0; i < ticks.Length; i++)
            {
                engine.Step(ticks[i], 1000L * (i + 1));
                var w = engine.World;
                var tables = new System.Text.Json.Nodes.JsonObject();
                foreach (var table in ComponentTables.All)
                {
                    var entries = new System.Text.Json.Nodes.JsonObject();
                    foreach (var (id, component) in table.Entries(w))
                        entries[id.ToString()] = System.Text.Json.JsonSerializer.SerializeToNode(component, table.ComponentType, CanonicalJson.Options);
                    tables[table.Name] = entries;
                }
                var tree = new System.Text.Json.Nodes.JsonObject
                {
                    ["tick"] = w.Tick,
                    ["timeMs"] = w.TimeMs,
                    ["nextEntityId"] = w.NextEntityId,
                    ["components"] = tables,
                };
                SqliteStore.SnapshotJson(w).ShouldBe(System.Text.Encoding.UTF8.GetString(CanonicalJson.Write(tree)));
            }
        }, iter: 30);
    }

    [Fact]
    public void RandomEventStreams_TickHashOnAllCores_EqualsTheSerialHashOfTheWholeWorld()
    {
        // Batches big enough that the engine hashes the inbound events on another core while the systems run.
        var stream = GenEvent.Array[0, 3 * TickHashing.PrehashMinEvents].Select(a => a.ToImmutableArray()).Array[1, 12].Select(a => a.ToImmutableArray());
        stream.Sample(ticks =>
        {
            using var store = SqliteStore.InMemory();
            var engine = OpenEngine(store, snapshotEveryTicks: 0);
            for (var i = 0; i < ticks.Length; i++)
            {
                var report = engine.Step(ticks[i], 1000L * (i + 1));
                // From scratch, one part after another, over a copy made of fresh instances (no memo of the tick's applies).
                report.WorldHash.ShouldBe(WorldHash.Compute(Worlds.FreshCopy(engine.World)).Hex);
            }
        }, iter: 30);
    }
}
