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

    /// <summary>
    /// In a component's hashing bytes a session's queue is one base64 string: SHA-256 over its events' hashes, one after
    /// another. The bytes (and so every world hash) must be those the serializer writes for that string in the queue's
    /// place, computed here without our converters. Random digests cover every base64 character, '+' and '/' included.
    /// </summary>
    [Fact]
    public void SerializeForHash_SessionQueue_IsOneDigestOfTheEventHashes()
    {
        var reference = new System.Text.Json.JsonSerializerOptions(CanonicalJson.HashOptions);
        var ours = reference.Converters.Where(c => c is EventJsonConverter or EventArrayJsonConverter).ToList();
        ours.Count.ShouldBe(2);
        foreach (var converter in ours)
            reference.Converters.Remove(converter);
        reference.Converters.Add(new QueueDigestConverter());
        var random = new Random(3);
        for (var n = 0; n < 200; n++)
        {
            var queue = Enumerable.Range(0, random.Next(0, 70))
                .Select(i => (Event)new DiscordMessageNew($"{n}-{i}", "c", null, "u", "user", false, $"text {random.Next()} \"quoted\" +/", i)).ToImmutableArray();
            var session = new Components.Session($"s{n}", new EntityId(1), "c1-survival", Components.SessionSubscriptions.None, queue, [], [], "", new Components.SessionBudgets(), Components.SessionStatus.Ready);
            CanonicalJson.SerializeForHash(session).ShouldBe(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(session, reference));
        }
    }

    [Fact]
    public void SerializeForHash_SessionQueue_OrderAndEveryEventCount()
    {
        var events = Enumerable.Range(0, 5).Select(i => (Event)new TimerTick($"t{i}", i)).ToImmutableArray();
        var session = new Components.Session("s", new EntityId(1), "c1-survival", Components.SessionSubscriptions.None, events, [], [], "", new Components.SessionBudgets(), Components.SessionStatus.Ready);
        var bytes = CanonicalJson.SerializeForHash(session);
        CanonicalJson.SerializeForHash(session with { Queue = [.. events.Reverse()] }).ShouldNotBe(bytes);
        CanonicalJson.SerializeForHash(session with { Queue = events.RemoveAt(0) }).ShouldNotBe(bytes);
        CanonicalJson.SerializeForHash(session with { Queue = events.SetItem(2, new TimerTick("t2", 3)) }).ShouldNotBe(bytes);
        CanonicalJson.SerializeForHash(session with { Queue = [] }).ShouldNotBe(CanonicalJson.SerializeForHash(session with { Queue = [events[0]] }));
        // Equal queues in other instances give the same bytes: the digest is memoized per list, never part of the value.
        CanonicalJson.SerializeForHash(session with { Queue = [.. events.Select(e => ((TimerTick)e) with { })] }).ShouldBe(bytes);
    }

    /// <summary>Writes a queue as the digest of its events' hashes, computed with the platform's one-shot SHA-256.</summary>
    private sealed class QueueDigestConverter : System.Text.Json.Serialization.JsonConverter<ImmutableArray<Event>>
    {
        public override ImmutableArray<Event> Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
            throw new NotSupportedException();

        public override void Write(System.Text.Json.Utf8JsonWriter writer, ImmutableArray<Event> value, System.Text.Json.JsonSerializerOptions options) =>
            writer.WriteBase64StringValue(System.Security.Cryptography.SHA256.HashData([.. value.SelectMany(e => System.Security.Cryptography.SHA256.HashData(CanonicalJson.SerializeEvent(e)))]));
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
