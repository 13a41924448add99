using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Promethean.Core.Effects;
using Promethean.Core.Events;

namespace Promethean.Core.Serialization;

/// <summary>
/// Writes an <see cref="Event"/> held by its base type (e.g. in a session queue) with all of its
/// runtime type's fields and its seed type string, and reads it back to the right record. In hashing
/// mode it writes the event's memoized hash instead, so a long queue costs one hash per new event.
/// </summary>
public sealed class EventJsonConverter(bool hashing) : JsonConverter<Event>
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert == typeof(Event);

    public override Event Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var node = JsonNode.Parse(ref reader)?.AsObject() ?? throw new JsonException("event is not a JSON object");
        return CanonicalJson.EventFromNode(node);
    }

    public override void Write(Utf8JsonWriter writer, Event value, JsonSerializerOptions options)
    {
        if (hashing)
            writer.WriteBase64StringValue(CanonicalJson.EventHash(value));
        else
            writer.WriteRawValue(CanonicalJson.SerializeEvent(value), skipInputValidation: true);
    }
}

/// <summary>The same for effects held by their base type.</summary>
public sealed class EffectJsonConverter : JsonConverter<Effect>
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert == typeof(Effect);

    public override Effect Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var node = JsonNode.Parse(ref reader)?.AsObject() ?? throw new JsonException("effect is not a JSON object");
        return CanonicalJson.EffectFromNode(node);
    }

    public override void Write(Utf8JsonWriter writer, Effect value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, value.GetType(), options);
}
