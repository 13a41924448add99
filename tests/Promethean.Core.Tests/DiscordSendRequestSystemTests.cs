using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Systems;
using Promethean.Stores.Sqlite;

namespace Promethean.Core.Tests;

public sealed class DiscordSendRequestSystemTests
{
    [Fact]
    public void Update_Requests_EmitsOneSendEachInOrderWithTickIds()
    {
        using var store = SqliteStore.InMemory();
        var world = TestWorld.Tick(World.Empty, 1, new DiscordSendRequested("10", "first"), new TimerTick("t", 1), new DiscordSendRequested("11", "second"));

        var next = DiscordSendRequestSystem.Update(world, store);

        next.Effects.Length.ShouldBe(2);
        var first = next.Effects[0].ShouldBeOfType<DiscordSend>();
        first.ShouldSatisfyAllConditions(
            () => first.Id.ShouldBe("1-0"),
            () => first.ChannelId.ShouldBe("10"),
            () => first.Content.ShouldBe("first"),
            () => first.Meta["source"].ShouldBe(DiscordSendRequestSystem.Source));
        next.Effects[1].ShouldBeOfType<DiscordSend>().Id.ShouldBe("1-1");
    }

    [Fact]
    public void Update_BlankRequest_SendsNothing()
    {
        using var store = SqliteStore.InMemory();
        var world = TestWorld.Tick(World.Empty, 1, new DiscordSendRequested("10", "  \n"));

        DiscordSendRequestSystem.Update(world, store).Effects.ShouldBeEmpty();
    }
}
