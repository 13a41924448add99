using System.Collections.Immutable;
using Promethean.Core.Components;
using Promethean.Core.Serialization;

namespace Promethean.Core.Tests;

public sealed class WorldHashTests
{
    [Fact]
    public void Compute_EqualContentInDifferentInstances_SameHash()
    {
        var a = TestWorld.WithSession("s", out _, channels: ["1"]);
        var b = TestWorld.WithSession("s", out _, channels: ["1"]);
        ReferenceEquals(a.Sessions, b.Sessions).ShouldBeFalse();
        WorldHash.Compute(a).Hex.ShouldBe(WorldHash.Compute(b).Hex);
    }

    [Fact]
    public void Compute_ChangedComponent_NamesItsTable()
    {
        var a = TestWorld.WithSession("s", out var id);
        var b = a with { Sessions = a.Sessions.SetItem(id, a.Sessions[id] with { Focus = "other" }) };
        var ha = WorldHash.Compute(a);
        var hb = WorldHash.Compute(b);
        ha.Hex.ShouldNotBe(hb.Hex);
        WorldHash.DifferingParts(ha.Parts, hb.Parts).ShouldBe(["c:session"]);
    }

    [Fact]
    public void Compute_InsertionOrderDoesNotMatter()
    {
        var c1 = new DebugCounters(ImmutableSortedDictionary<string, long>.Empty.Add("a", 1).Add("b", 2));
        var c2 = new DebugCounters(ImmutableSortedDictionary<string, long>.Empty.Add("b", 2).Add("a", 1));
        var w1 = World.Empty with { Counters = World.Empty.Counters.Add(new EntityId(1), c1).Add(new EntityId(2), c2) };
        var w2 = World.Empty with { Counters = World.Empty.Counters.Add(new EntityId(2), c2).Add(new EntityId(1), c1) };
        WorldHash.Compute(w1).Hex.ShouldBe(WorldHash.Compute(w2).Hex);
    }

    [Fact]
    public void ComponentHash_IsMemoizedInTheInstance_AndTakesNoPartInItsValue()
    {
        var job = new Job(Job.EmbedCanonical, 1, JobStatus.Pending, "k1", "payload");
        var hash = WorldHash.ComponentHash(job);
        WorldHash.ComponentHash(job).ShouldBeSameAs(hash);

        // A copy made by `with` starts without the memo: a changed copy gets its own hash, not the original's.
        var changed = job with { Priority = 2 };
        WorldHash.ComponentHash(changed).ShouldNotBe(hash);

        // An unchanged copy and a fresh equal record, hashed or not, equal the original and hash to the same bytes.
        var copy = job with { };
        var fresh = new Job(Job.EmbedCanonical, 1, JobStatus.Pending, "k1", "payload");
        copy.ShouldBe(job);
        fresh.ShouldBe(job);
        fresh.GetHashCode().ShouldBe(job.GetHashCode());
        WorldHash.ComponentHash(copy).ShouldBe(hash);
        WorldHash.ComponentHash(copy).ShouldNotBeSameAs(hash);
        CanonicalJson.SerializeToString(job).ShouldBe(CanonicalJson.SerializeToString(fresh));
    }

    [Fact]
    public void Compute_ComponentsSwappedBetweenEntities_ChangeTheTableHash()
    {
        var world = World.Empty.Spawn(out var a).Spawn(out var b);
        var ja = new Job(Job.EmbedCanonical, 1, JobStatus.Pending, "ka", "");
        var jb = new Job(Job.EmbedCanonical, 2, JobStatus.Pending, "kb", "");
        var one = world with { Jobs = world.Jobs.Add(a, ja).Add(b, jb) };
        var swapped = world with { Jobs = world.Jobs.Add(a, jb).Add(b, ja) };
        var same = world with { Jobs = world.Jobs.Add(a, ja).Add(b, ja) };
        var hash = WorldHash.Compute(one).Parts["c:job"];
        WorldHash.Compute(swapped).Parts["c:job"].ShouldNotBe(hash);
        WorldHash.Compute(same).Parts["c:job"].ShouldNotBe(hash);
        WorldHash.Compute(same).Parts["c:job"].ShouldNotBe(WorldHash.Compute(world with { Jobs = world.Jobs.Add(a, jb).Add(b, jb) }).Parts["c:job"]);
    }

    [Fact]
    public void Compute_EffectsAreHashed()
    {
        var w = Schedule.BeginTick(World.Empty, 1, []);
        WorldHash.Compute(w).Hex.ShouldNotBe(WorldHash.Compute(w.Do(new Effects.FsRead("a"))).Hex);
    }
}

public sealed class ComponentSerializationTests
{
    [Fact]
    public void SessionQueue_EventsKeepTheirFieldsInHashAndRoundTrip()
    {
        var a = TestWorld.WithSession("s", out var id);
        var m1 = new Events.DiscordMessageNew("1", "c", null, "u", "ada", false, "one", 1);
        var w1 = a with { Sessions = a.Sessions.SetItem(id, a.Sessions[id] with { Queue = [m1] }) };
        var w2 = a with { Sessions = a.Sessions.SetItem(id, a.Sessions[id] with { Queue = [m1 with { Content = "two" }] }) };
        WorldHash.Compute(w1).Hex.ShouldNotBe(WorldHash.Compute(w2).Hex);

        var json = CanonicalJson.SerializeToString(w1.Sessions[id]);
        var back = CanonicalJson.Deserialize<Components.Session>(json);
        back.Queue.ShouldHaveSingleItem().ShouldBe(m1);
        CanonicalJson.SerializeToString(back).ShouldBe(json);
    }
}
