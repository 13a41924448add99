using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core;
using Promethean.Core.Events;
using Promethean.Runtime.Config;
using Promethean.Stores.Sqlite;

namespace Promethean.Runtime.Tests;

public sealed class WorldAtTests
{
    private static string RunFiveTicks(TempDir dir)
    {
        var path = dir.Combine("p.db");
        using var store = SqliteStore.Open(path);
        var engine = new Engine(store, Schedule.Systems, new EffectDispatcher([], 1, TimeSpan.FromSeconds(5), NullLogger.Instance),
            new EngineOptions { StatusEverySeconds = 0, SnapshotEveryTicks = 2 }, TimeProvider.System, NullLogger.Instance);
        engine.Open(Genesis.Build(ConfigLoader.Load(null)));
        for (var tick = 1; tick <= 5; tick++)
        {
            engine.Step([new DiscordMessageNew(tick.ToString(CultureInfo.InvariantCulture), "1", "9", "2", "ada", false, $"note {tick} on replay", tick * 1000L)],
                tick * 1000L);
        }
        return path;
    }

    [Fact]
    public void WorldAt_EachTick_RebuildsTheJournaledWorld()
    {
        using var dir = new TempDir();
        var path = RunFiveTicks(dir);
        using var reader = SqliteStore.OpenReadOnly(path);
        for (var tick = 1; tick <= 5; tick++)
        {
            var replayed = Replayer.WorldAt(reader, tick, Schedule.Systems);
            replayed.World.Tick.ShouldBe(tick);
            replayed.HashesMatch.ShouldBeTrue();
            replayed.WorldHash.ShouldBe(reader.ReadJournalEntry(tick)!.WorldHash);
        }
        var genesis = Replayer.WorldAt(reader, 0, Schedule.Systems);
        genesis.World.Tick.ShouldBe(0);
        genesis.WorldHash.ShouldBeNull();
    }

    [Fact]
    public void WorldAt_PastTheJournal_Throws()
    {
        using var dir = new TempDir();
        var path = RunFiveTicks(dir);
        using var reader = SqliteStore.OpenReadOnly(path);
        Should.Throw<ArgumentOutOfRangeException>(() => Replayer.WorldAt(reader, 6, Schedule.Systems));
    }

    [Fact]
    public void OpenReadOnly_Write_IsRefused()
    {
        using var dir = new TempDir();
        var path = RunFiveTicks(dir);
        using var reader = SqliteStore.OpenReadOnly(path);
        reader.LastTick.ShouldBe(5);
        reader.PendingOutboxCount.ShouldBe(reader.PendingOutbox().Count);
        Should.Throw<Microsoft.Data.Sqlite.SqliteException>(() => reader.WriteSnapshot(World.Empty));
    }
}
