using Promethean.Core.Effects;

namespace Promethean.Core.Tests;

public sealed class WorldTests
{
    [Fact]
    public void Do_AssignsTickAndSequenceIds()
    {
        var world = Schedule.BeginTick(World.Empty, 5, []);
        world = world.Do(new FsRead("a.md")).Do([new FsRead("b.md"), new FsRead("c.md")]);
        world.Effects.Select(e => e.Id).ShouldBe(["1-0", "1-1", "1-2"]);
    }

    [Fact]
    public void Spawn_NeverReusesIds()
    {
        var world = World.Empty.Spawn(out var a).Spawn(out var b);
        a.ShouldNotBe(b);
        world.NextEntityId.ShouldBe(3);
    }

    [Fact]
    public void BeginTick_ClearsLastTicksOutputs()
    {
        var world = Schedule.BeginTick(World.Empty, 1, []).Do(new FsRead("a.md")).Emit(new Events.TimerTick("t", 1));
        var next = Schedule.BeginTick(world, 2, []);
        next.Effects.ShouldBeEmpty();
        next.EventsOut.ShouldBeEmpty();
        next.Tick.ShouldBe(2);
    }

    [Fact]
    public void TypeRegistry_EverySeedEffectHasItsTypeString()
    {
        new[] { "llm/chat", "llm/embed", "fs/read", "fs/write", "discord/send", "mem/put" }
            .ShouldAllBe(t => TypeRegistry.EffectType(t) != null);
    }

    [Fact]
    public void TypeRegistry_EverySeedEventHasItsTypeString()
    {
        string[] seed =
        [
            "discord.message/new", "fs.file/created", "fs.file/modified", "timer/tick", "memory/created", "eidolon/indexed",
            "embedding/job.enqueued", "embedding/job.done", "cephalon/session.ready", "llm/response", "tool/called", "tool/result",
            "sentinel/start", "sentinel/validated", "sentinel/retry", "sentinel/done", "fs/read.result", "fs/write.result",
            "discord/send.result",
        ];
        seed.ShouldAllBe(t => TypeRegistry.EventType(t) != null);
    }
}
