using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Promethean.Core;

/// <summary>Identity of an entity in the world; allocated from the world's counter, never from the environment.</summary>
[JsonConverter(typeof(EntityIdJsonConverter))]
public readonly record struct EntityId(long Value) : IComparable<EntityId>
{
    public int CompareTo(EntityId other) => Value.CompareTo(other.Value);

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);

    public static EntityId Parse(string text) => new(long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture));

    /// <summary>Reads an id written by <see cref="ToString"/> (e.g. from effect meta); false for anything else.</summary>
    public static bool TryParse(string? text, out EntityId id)
    {
        var ok = long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value);
        id = new EntityId(value);
        return ok;
    }

    public static bool operator <(EntityId left, EntityId right) => left.Value < right.Value;
    public static bool operator >(EntityId left, EntityId right) => left.Value > right.Value;
    public static bool operator <=(EntityId left, EntityId right) => left.Value <= right.Value;
    public static bool operator >=(EntityId left, EntityId right) => left.Value >= right.Value;
}

/// <summary>Writes entity ids as numbers, and as strings when they key a dictionary.</summary>
public sealed class EntityIdJsonConverter : JsonConverter<EntityId>
{
    public override EntityId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(reader.GetInt64());

    public override void Write(Utf8JsonWriter writer, EntityId value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.Value);

    public override EntityId ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        EntityId.Parse(reader.GetString()!);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, EntityId value, JsonSerializerOptions options) =>
        writer.WritePropertyName(value.ToString());
}
