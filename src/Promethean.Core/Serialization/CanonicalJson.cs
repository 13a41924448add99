using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Promethean.Core.Effects;
using Promethean.Core.Events;

namespace Promethean.Core.Serialization;

/// <summary>
/// The one serialization of world data: camelCase properties, enums as strings, object keys sorted
/// ordinally, no whitespace, invariant number formatting. Hashes and the journal are built on it.
/// </summary>
public static class CanonicalJson
{
    public static readonly JsonSerializerOptions Options = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DictionaryKeyPolicy = null,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            WriteIndented = false,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            NumberHandling = JsonNumberHandling.Strict,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
        options.Converters.Add(new EventJsonConverter());
        options.Converters.Add(new EffectJsonConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Canonical UTF-8 bytes of any value of the world.</summary>
    public static byte[] Serialize(object value) => Write(JsonSerializer.SerializeToNode(value, value.GetType(), Options));

    public static string SerializeToString(object value) => System.Text.Encoding.UTF8.GetString(Serialize(value));

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"null where a {typeof(T).Name} was expected");

    public static object Deserialize(string json, Type type) =>
        JsonSerializer.Deserialize(json, type, Options) ?? throw new JsonException($"null where a {type.Name} was expected");

    public static byte[] SerializeEvent(Event e) => Write(EventNode(e));

    public static JsonObject EventNode(Event e)
    {
        var node = (JsonObject)JsonSerializer.SerializeToNode(e, e.GetType(), Options)!;
        node["type"] = e.Type;
        return node;
    }

    public static byte[] SerializeEffect(Effect e) => Write(EffectNode(e));

    public static JsonObject EffectNode(Effect e)
    {
        var node = (JsonObject)JsonSerializer.SerializeToNode(e, e.GetType(), Options)!;
        node["type"] = e.Type;
        return node;
    }

    /// <summary>Reads an event written by <see cref="SerializeEvent"/>; unknown type strings are an error naming the type.</summary>
    public static Event DeserializeEvent(string json) =>
        EventFromNode(JsonNode.Parse(json)?.AsObject() ?? throw new JsonException("event is not a JSON object"));

    public static Event EventFromNode(JsonObject node)
    {
        var type = node["type"]?.GetValue<string>() ?? throw new JsonException("event has no \"type\"");
        var clr = TypeRegistry.EventType(type) ?? (type.EndsWith(".error", StringComparison.Ordinal) ? typeof(EffectError) : null);
        if (clr is null)
            throw new JsonException($"unknown event type '{type}'");
        node.Remove("type");
        return (Event)(node.Deserialize(clr, Options) ?? throw new JsonException($"event '{type}' is null"));
    }

    public static Effect DeserializeEffect(string json) =>
        EffectFromNode(JsonNode.Parse(json)?.AsObject() ?? throw new JsonException("effect is not a JSON object"));

    public static Effect EffectFromNode(JsonObject node)
    {
        var type = node["type"]?.GetValue<string>() ?? throw new JsonException("effect has no \"type\"");
        var clr = TypeRegistry.EffectType(type) ?? throw new JsonException($"unknown effect type '{type}'");
        node.Remove("type");
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
