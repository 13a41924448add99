using System.Collections.Immutable;
using CsCheck;
using Promethean.Core.Components;
using Promethean.Core.Events;
using Promethean.Core.Systems;
using Promethean.Stores.Sqlite;

namespace Promethean.Core.Tests;

public sealed class RouteEventsSystemTests
{
    private static DiscordMessageNew Msg(string id, string channel) => new(id, channel, null, "u", "ada", false, "hi " + id, 0);

    [Fact]
    public void Update_SubscribedChannel_QueuesAndMarksReady()
    {
        using var store = SqliteStore.InMemory();
        var world = TestWorld.Tick(TestWorld.WithSession("s", out var id, channels: ["10"]), 1, Msg("1", "10"), Msg("2", "11"));
        var next = RouteEventsSystem.Update(world, store);
        next.Sessions[id].Queue.ShouldHaveSingleItem().ShouldBeOfType<DiscordMessageNew>().MessageId.ShouldBe("1");
        next.Sessions[id].Status.ShouldBe(SessionStatus.Ready);
        next.EventsOut.ShouldHaveSingleItem().ShouldBeOfType<CephalonSessionReady>().Session.ShouldBe(id);
    }

    [Fact]
    public void Update_EventTypeSubscription_Delivers()
    {
        using var store = SqliteStore.InMemory();
        var world = TestWorld.Tick(TestWorld.WithSession("janitor", out var id, eventTypes: ["timer/tick"]), 1, new TimerTick("janitor", 1), Msg("1", "10"));
        RouteEventsSystem.Update(world, store).Sessions[id].Queue.ShouldHaveSingleItem().ShouldBeOfType<TimerTick>();
    }

    [Fact]
    public void Update_ImportedHistory_ReachesNoSessionByChannel_OnlyOnesSubscribedToImports()
    {
        using var store = SqliteStore.InMemory();
        var world = TestWorld.WithSession("all", out var all, channels: ["*"]);
        world = TestWorld.WithSession(world, "chan", out var chan, channels: ["10"]);
        world = TestWorld.WithSession(world, "archivist", out var archivist, eventTypes: ["discord.message/imported"]);
        var next = RouteEventsSystem.Update(TestWorld.Tick(world, 1, new DiscordMessageImported(Msg("1", "10"))), store);
        next.Sessions[all].Queue.ShouldBeEmpty();
        next.Sessions[chan].Queue.ShouldBeEmpty();
        next.Sessions[archivist].Queue.ShouldHaveSingleItem().ShouldBeOfType<DiscordMessageImported>().Message.MessageId.ShouldBe("1");
    }

    [Fact]
    public void Update_Overflow_DropsOldestAndCounts()
    {
        using var store = SqliteStore.InMemory();
        var world = TestWorld.Tick(TestWorld.WithSession("s", out var id, channels: ["*"], capacity: 3), 1,
            Msg("1", "a"), Msg("2", "a"), Msg("3", "a"), Msg("4", "a"), Msg("5", "a"));
        var session = RouteEventsSystem.Update(world, store).Sessions[id];
        session.Queue.Cast<DiscordMessageNew>().Select(m => m.MessageId).ShouldBe(["3", "4", "5"]);
        session.QueueDropped.ShouldBe(2);
    }

    [Fact]
    public void Update_AlreadyReadySession_EmitsNoSecondReady()
    {
        using var store = SqliteStore.InMemory();
        var world = TestWorld.WithSession("s", out var id, channels: ["*"]);
        world = world with { Sessions = world.Sessions.SetItem(id, world.Sessions[id] with { Status = SessionStatus.Ready }) };
        RouteEventsSystem.Update(TestWorld.Tick(world, 1, Msg("1", "a")), store).EventsOut.ShouldBeEmpty();
    }

    [Fact]
    public void Update_SoftSubscription_DeliversMessagesWhoseWeightedTagsReachTheThreshold()
    {
        using var store = SqliteStore.InMemory();
        var world = TestWorld.WithSession("ops", out var id, channels: ["10"]);
        world = world with
        {
            Sessions = world.Sessions.SetItem(id, world.Sessions[id] with
            {
                Subscriptions = world.Sessions[id].Subscriptions with
                {
                    Soft = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [new KeyValuePair<string, double>("deploy", 0.6), new("tag:outage", 0.6), new("author:u-carol", 0.5)]),
                    SoftThreshold = 1.0,
                },
            }),
        };
        DiscordMessageNew Say(string id, string author, string text) => new(id, "99", null, author, author, false, text, 0);
        var next = RouteEventsSystem.Update(TestWorld.Tick(world, 1,
            Say("1", "u-bob", "the #deploy caused an #outage"),
            Say("2", "u-bob", "the #deploy went fine"),
            Say("3", "u-carol", "about the #deploy"),
            Say("4", "u-bob", "lunch?"),
            Msg("5", "10")), store);

        next.Sessions[id].Queue.Cast<DiscordMessageNew>().Select(m => m.MessageId).ShouldBe(["1", "3", "5"],
            "1.2 and 1.1 reach the threshold, 0.6 and 0 do not; hard subscriptions still deliver");
    }

    [Fact]
    public void Enqueue_AnyQueueAndBatch_KeepsTheNewestCapacityEntriesInOrder()
    {
        Gen.Select(Gen.Int[0, 12], Gen.Int[0, 12], Gen.Int[0, 12]).Sample((queued, added, capacity) =>
        {
            var old = Enumerable.Range(0, queued).Select(i => (Event)Msg("q" + i, "a")).ToList();
            var batch = Enumerable.Range(0, added).Select(i => (Event)Msg("n" + i, "a")).ToList();
            var session = TestWorld.WithSession("s", out var id, capacity: capacity).Sessions[id] with { Queue = [.. old], QueueDropped = 1 };
            var next = RouteEventsSystem.Enqueue(session, batch);
            var all = old.Concat(batch).ToList();
            var dropped = Math.Max(0, all.Count - capacity);
            return next.Queue.SequenceEqual(all.Skip(dropped)) && next.QueueDropped == 1 + dropped;
        }, iter: 300);
    }

    [Fact]
    public void Update_TypeAndChannelSubscriptionsOverlap_DeliverEachEventOnceInOrder()
    {
        using var store = SqliteStore.InMemory();
        var world = TestWorld.Tick(TestWorld.WithSession("s", out var id, channels: ["10", "11"], eventTypes: ["discord.message/new", "timer/tick"]), 1,
            Msg("1", "11"), new TimerTick("janitor", 1), Msg("2", "12"), Msg("3", "10"));
        var queue = RouteEventsSystem.Update(world, store).Sessions[id].Queue;
        queue.Select(e => e is DiscordMessageNew m ? m.MessageId : e.Type).ShouldBe(["1", "timer/tick", "2", "3"]);
    }
}
