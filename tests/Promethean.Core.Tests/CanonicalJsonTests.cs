using System.Collections.Immutable;
using System.Text;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Serialization;

namespace Promethean.Core.Tests;

public sealed class CanonicalJsonTests
{
    public static TheoryData<Event> Events() =>
    [
        new DiscordMessageNew("1", "2", null, "3", "ada", false, "héllo \"world\"\n", 10),
        new FsFileCreated("docs/notes/a.md", "abc", 12),
        new TimerTick("janitor", 99),
        new MemoryCreated("m1", "note", ["b", "a"], ["tag:x"]),
        new LlmResponse("1-0", "hi", [new ToolCall("c1", "search", "{\"q\":1}")], null, new LlmUsage(3, 4, true), 12, "m", "local"),
        new EffectError("1-2", "fs/read", "path escapes root", true) { Meta = ImmutableSortedDictionary<string, string>.Empty.Add("purpose", "x") },
        new LlmEmbedResult("1-3", "minilm", [[0.25f, -1.5f], [3e-8f, 1f]]),
        new SentinelRetry(new EntityId(4), 2, ["title: empty"]),
    ];

    [Theory]
    [MemberData(nameof(Events))]
    public void Event_RoundTrips_ToIdenticalBytes(Event e)
    {
        var bytes = CanonicalJson.SerializeEvent(e);
        var back = CanonicalJson.DeserializeEvent(Encoding.UTF8.GetString(bytes));
        back.Type.ShouldBe(e.Type);
        CanonicalJson.SerializeEvent(back).ShouldBe(bytes);
    }

    [Fact]
    public void Serialize_SortsKeysOrdinally()
    {
        var json = Encoding.UTF8.GetString(CanonicalJson.SerializeEvent(new TimerTick("t", 1)));
        json.ShouldBe("{\"dueMs\":1,\"timer\":\"t\",\"type\":\"timer/tick\"}");
    }

    [Fact]
    public void Effect_RoundTripsWithIdAndMeta()
    {
        var effect = new FsWrite("a.md", "x", "h") { Id = "3-1", Meta = ImmutableSortedDictionary<string, string>.Empty.Add("k", "v") };
        var back = CanonicalJson.DeserializeEffect(Encoding.UTF8.GetString(CanonicalJson.SerializeEffect(effect)));
        back.ShouldBeOfType<FsWrite>().Id.ShouldBe("3-1");
        back.Meta["k"].ShouldBe("v");
    }

    [Fact]
    public void DeserializeEvent_UnknownType_NamesIt()
    {
        Should.Throw<System.Text.Json.JsonException>(() => CanonicalJson.DeserializeEvent("{\"type\":\"nope/never\"}"))
            .Message.ShouldContain("nope/never");
    }
}

public sealed class OrdinalCollectionsTests
{
    [Fact]
    public void Deserialize_SortedSetsAndMaps_UseOrdinalOrder()
    {
        var set = CanonicalJson.Deserialize<System.Collections.Immutable.ImmutableSortedSet<string>>("[\"b\",\"B\",\"a-b\",\"ab\",\"A\"]");
        set.ToArray().ShouldBe(new[] { "A", "B", "a-b", "ab", "b" });
        var map = CanonicalJson.Deserialize<System.Collections.Immutable.ImmutableSortedDictionary<string, int>>("{\"b\":1,\"B\":2}");
        map.Keys.ToArray().ShouldBe(new[] { "B", "b" });
    }

    [Fact]
    public void Serialize_CultureOrderedSet_IsWrittenOrdinally()
    {
        var culture = System.Collections.Immutable.ImmutableSortedSet.Create(StringComparer.InvariantCultureIgnoreCase, "b", "A", "a-c");
        CanonicalJson.SerializeToString(culture).ShouldBe("[\"A\",\"a-c\",\"b\"]");
    }

    [Fact]
    public void SerializeEvent_CopyMadeWithWith_HasItsOwnBytesAndHash()
    {
        var original = new TimerTick("janitor", 1);
        var bytes = CanonicalJson.SerializeEvent(original);
        var hash = CanonicalJson.EventHash(original);
        var copy = original with { Timer = "other" };
        CanonicalJson.SerializeEvent(copy).ShouldNotBe(bytes);
        CanonicalJson.EventHash(copy).ShouldNotBe(hash);
        CanonicalJson.SerializeEvent(copy).ShouldBe(CanonicalJson.SerializeEvent(new TimerTick("other", 1)));
    }

    [Fact]
    public void SerializeEffect_NewIdGivenByDo_IsInTheBytes()
    {
        var effect = new FsRead("docs/notes/a.md");
        var before = CanonicalJson.SerializeEffect(effect);
        var done = World.Empty.Do(effect).Effects.ShouldHaveSingleItem();
        Encoding.UTF8.GetString(CanonicalJson.SerializeEffect(done)).ShouldContain("\"id\":\"0-0\"");
        CanonicalJson.SerializeEffect(done).ShouldNotBe(before);
        CanonicalJson.EffectHash(done).ShouldNotBe(CanonicalJson.EffectHash(effect));
    }

    [Fact]
    public void Equals_OneSerializedOneNot_StillEqual()
    {
        var a = new TimerTick("janitor", 1);
        var b = new TimerTick("janitor", 1);
        CanonicalJson.EventHash(a);
        a.ShouldBe(b);
        a.GetHashCode().ShouldBe(b.GetHashCode());
    }
}
