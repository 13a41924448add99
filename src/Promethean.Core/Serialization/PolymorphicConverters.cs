using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Promethean.Core.Effects;
using Promethean.Core.Events;

namespace Promethean.Core.Serialization;

/// <summary>
/// Writes an <see cref="Event"/> held by its base type (e.g. in a session queue) with all of its
/// runtime type's fields and its seed type string, and reads it back to the right record. In hashing
/// mode it writes the event's memoized hash (base64) instead; a list of events is one hash
/// (<see cref="EventArrayJsonConverter"/>).
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

/// <summary>
/// A list of events (a session's queue) written element by element as <see cref="EventJsonConverter"/> writes one:
/// the same bytes as the serializer's own collection converter, without its per-element dispatch. In hashing mode the
/// list is one base64 string, its hash (<see cref="CanonicalJson.EventListHash"/>, memoized per list): writing a full
/// 64-event queue as 64 hashes and hashing the 3 KB that made cost ~10 µs of each session changed in a tick.
/// </summary>
public sealed class EventArrayJsonConverter(bool hashing) : JsonConverter<ImmutableArray<Event>>
{
    private readonly EventJsonConverter _element = new(hashing);

    public override ImmutableArray<Event> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new JsonException($"expected a JSON array of events, found {reader.TokenType}");
        var events = ImmutableArray.CreateBuilder<Event>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            events.Add(_element.Read(ref reader, typeof(Event), options));
        return events.ToImmutable();
    }

    public override void Write(Utf8JsonWriter writer, ImmutableArray<Event> value, JsonSerializerOptions options)
    {
        if (hashing)
        {
            writer.WriteBase64StringValue(CanonicalJson.EventListHash(value));
            return;
        }
        writer.WriteStartArray();
        foreach (var e in value)
            _element.Write(writer, e, options);
        writer.WriteEndArray();
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
