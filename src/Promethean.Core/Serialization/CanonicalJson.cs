using System.Buffers;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Promethean.Core.Effects;
using Promethean.Core.Events;

namespace Promethean.Core.Serialization;

/// <summary>
/// The one serialization of world data: camelCase properties written in ordinal order, events and
/// effects with their seed type string as <c>type</c>, string sets and maps ordered ordinally, enums
/// as strings, no whitespace, invariant numbers. Hashes and the journal are built on it, so the
/// same value always gives the same bytes, on any machine and culture.
/// </summary>
public static class CanonicalJson
{
    public static readonly JsonSerializerOptions Options = CreateOptions(hashing: false);

    /// <summary>Like <see cref="Options"/> but an event nested in a component is written as its hash (memoized per instance).</summary>
    internal static readonly JsonSerializerOptions HashOptions = CreateOptions(hashing: true);


    private static JsonSerializerOptions CreateOptions(bool hashing)
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DictionaryKeyPolicy = null,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            WriteIndented = false,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            NumberHandling = JsonNumberHandling.Strict,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { SortedProperties } },
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
        options.Converters.Add(new OrdinalCollectionsConverterFactory());
        options.Converters.Add(new EventJsonConverter(hashing));
        options.Converters.Add(new EventArrayJsonConverter(hashing));
        options.Converters.Add(new EffectJsonConverter());
        options.MakeReadOnly();
        return options;
    }

    /// <summary>Orders properties ordinally by JSON name (events and effects carry their seed type string as <c>type</c>).</summary>
    private static void SortedProperties(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object)
            return;
        var sorted = info.Properties.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        for (var i = 0; i < sorted.Count; i++)
            sorted[i].Order = i;
    }

    /// <summary>Canonical UTF-8 bytes of any value of the world.</summary>
    public static byte[] Serialize(object value) => value is Event e ? SerializeEvent(e) : JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), Options);

    /// <summary>Bytes that identify a component's content, with nested events replaced by their memoized hashes.</summary>
    public static byte[] SerializeForHash(object value) => JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), HashOptions);

    public static string SerializeToString(object value) => System.Text.Encoding.UTF8.GetString(Serialize(value));

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"null where a {typeof(T).Name} was expected");

    public static object Deserialize(string json, Type type) =>
        JsonSerializer.Deserialize(json, type, Options) ?? throw new JsonException($"null where a {type.Name} was expected");

    public static object Deserialize(ReadOnlySpan<byte> utf8, Type type) =>
        JsonSerializer.Deserialize(utf8, type, Options) ?? throw new JsonException($"null where a {type.Name} was expected");

    /// <summary>An event's canonical bytes, memoized per instance (events are immutable).</summary>
    public static byte[] SerializeEvent(Event e) =>
        e.Memo.Bytes ??= JsonSerializer.SerializeToUtf8Bytes(e, e.GetType(), Options);

    /// <summary>SHA-256 of an event's canonical bytes, memoized per instance.</summary>
    public static byte[] EventHash(Event e) => e.Memo.Hash ??= Sha256.Of(SerializeEvent(e));

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Event[], byte[]> ListHashes = new();

    /// <summary>
    /// SHA-256 over a list's events' hashes, one after another (32 bytes each; the empty list hashes nothing), memoized
    /// per list: the hash of a tick's events in, and a session's queue in its component's hashing bytes (a session keeps
    /// its queue while other fields change).
    /// </summary>
    internal static byte[] EventListHash(ImmutableArray<Event> events)
    {
        var array = System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsArray(events) ?? [];
        if (ListHashes.TryGetValue(array, out var memo))
            return memo;
        var hashes = ArrayPool<byte>.Shared.Rent(Math.Max(1, array.Length * 32));
        try
        {
            for (var i = 0; i < array.Length; i++)
                EventHash(array[i]).CopyTo(hashes, i * 32);
            memo = Sha256.Of(hashes.AsSpan(0, array.Length * 32));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(hashes);
        }
        ListHashes.AddOrUpdate(array, memo);
        return memo;
    }

    public static JsonObject EventNode(Event e) => JsonNode.Parse(SerializeEvent(e))!.AsObject();

    /// <summary>An effect's canonical bytes, memoized per instance: the hash and the outbox both need them.</summary>
    public static byte[] SerializeEffect(Effect e) =>
        e.Memo.Bytes ??= JsonSerializer.SerializeToUtf8Bytes(e, e.GetType(), Options);

    /// <summary>SHA-256 of an effect's canonical bytes, memoized per instance.</summary>
    public static byte[] EffectHash(Effect e) => e.Memo.Hash ??= Sha256.Of(SerializeEffect(e));

    public static JsonObject EffectNode(Effect e) => JsonNode.Parse(SerializeEffect(e))!.AsObject();

    /// <summary>Reads an event written by <see cref="SerializeEvent"/>; unknown type strings are an error naming the type.</summary>
    public static Event DeserializeEvent(string json) =>
        EventFromNode(JsonNode.Parse(json)?.AsObject() ?? throw new JsonException("event is not a JSON object"));

    public static Event EventFromNode(JsonObject node)
    {
        var type = node["type"]?.GetValue<string>() ?? throw new JsonException("event has no \"type\"");
        return (Event)(node.Deserialize(EventClrType(type), Options) ?? throw new JsonException($"event '{type}' is null"));
    }

    /// <summary>Reads one event of a parsed array (the journal's events in) without re-parsing it.</summary>
    public static Event EventFromElement(JsonElement element)
    {
        var type = element.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()!
            : throw new JsonException("event has no \"type\"");
        var clr = EventClrType(type);
        return (Event)(element.Deserialize(clr, Options) ?? throw new JsonException($"event '{type}' is null"));
    }

    private static Type EventClrType(string type) =>
        TypeRegistry.EventType(type) ?? (type.EndsWith(".error", StringComparison.Ordinal) ? typeof(EffectError) : null)
        ?? throw new JsonException($"unknown event type '{type}'");

    public static Effect DeserializeEffect(string json) =>
        EffectFromNode(JsonNode.Parse(json)?.AsObject() ?? throw new JsonException("effect is not a JSON object"));

    public static Effect EffectFromNode(JsonObject node)
    {
        var type = node["type"]?.GetValue<string>() ?? throw new JsonException("effect has no \"type\"");
        var clr = TypeRegistry.EffectType(type) ?? throw new JsonException($"unknown effect type '{type}'");
        return (Effect)(node.Deserialize(clr, Options) ?? throw new JsonException($"effect '{type}' is null"));
    }

    /// <summary>Writes a node with object keys in ordinal order.</summary>
    public static byte[] Write(JsonNode? node)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = Options.Encoder, SkipValidation = true }))
            WriteSorted(writer, node);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteSorted(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    WriteSorted(writer, value);
                }
                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                    WriteSorted(writer, item);
                writer.WriteEndArray();
                break;
            default:
                node.WriteTo(writer, Options);
                break;
        }
    }
}
