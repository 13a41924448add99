using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Promethean.Core.Serialization;

/// <summary>
/// Reads sorted string sets and string-keyed sorted maps with the ordinal comparer. The default
/// comparer is culture-sensitive, which would make iteration order, and so hashes, depend on the
/// machine's culture data.
/// </summary>
public sealed class OrdinalCollectionsConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert == typeof(ImmutableSortedSet<string>)
        || (typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(ImmutableSortedDictionary<,>)
            && typeToConvert.GetGenericArguments()[0] == typeof(string));

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        typeToConvert == typeof(ImmutableSortedSet<string>)
            ? new SetConverter()
            : (JsonConverter)Activator.CreateInstance(typeof(MapConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[1]))!;

    /// <summary>
    /// A JSON array of strings, the reader on its start, as an ordinal set, read token by token: also for callers
    /// that hold stored sets (the store's tags and nexus keys) and would otherwise pay the serializer's per-call setup.
    /// </summary>
    public static ImmutableSortedSet<string> ReadStringSet(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new JsonException($"expected a JSON array of strings, found {reader.TokenType}");
        var items = ImmutableSortedSet.CreateBuilder<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            items.Add(reader.GetString()!);
        return items.ToImmutable();
    }

    /// <summary>
    /// Writes a string set as the serializer does (a JSON array, ordinal order), without the serializer's per-call
    /// setup: for callers that write many small sets (the store's rows).
    /// </summary>
    public static void WriteStringSet(Utf8JsonWriter writer, ImmutableSortedSet<string> value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartArray();
        foreach (var item in value.KeyComparer == StringComparer.Ordinal ? value : (IEnumerable<string>)value.Order(StringComparer.Ordinal))
            writer.WriteStringValue(item);
        writer.WriteEndArray();
    }

    /// <summary>Writes a string map as the serializer does (a JSON object, keys in ordinal order), without its per-call setup.</summary>
    public static void WriteStringMap(Utf8JsonWriter writer, ImmutableSortedDictionary<string, string> value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        IEnumerable<KeyValuePair<string, string>> entries = value.KeyComparer == StringComparer.Ordinal ? value : value.OrderBy(p => p.Key, StringComparer.Ordinal);
        foreach (var (key, item) in entries)
        {
            writer.WritePropertyName(key);
            if (item is null)
                writer.WriteNullValue();
            else
                writer.WriteStringValue(item);
        }
        writer.WriteEndObject();
    }

    private sealed class SetConverter : JsonConverter<ImmutableSortedSet<string>>
    {
        public override ImmutableSortedSet<string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            ReadStringSet(ref reader);

        public override void Write(Utf8JsonWriter writer, ImmutableSortedSet<string> value, JsonSerializerOptions options)
        {
            WriteStringSet(writer, value);
        }
    }

    private sealed class MapConverter<TValue> : JsonConverter<ImmutableSortedDictionary<string, TValue>>
    {
        public override ImmutableSortedDictionary<string, TValue> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var items = JsonSerializer.Deserialize<Dictionary<string, TValue>>(ref reader, options) ?? [];
            // A builder sorts the entries into the tree directly; CreateRange detours through a SortedDictionary.
            var map = ImmutableSortedDictionary.CreateBuilder<string, TValue>(StringComparer.Ordinal);
            map.AddRange(items);
            return map.ToImmutable();
        }

        public override void Write(Utf8JsonWriter writer, ImmutableSortedDictionary<string, TValue> value, JsonSerializerOptions options)
        {
            if (value is ImmutableSortedDictionary<string, string> strings)
            {
                WriteStringMap(writer, strings);
                return;
            }
            writer.WriteStartObject();
            IEnumerable<KeyValuePair<string, TValue>> entries = value.KeyComparer == StringComparer.Ordinal ? value : value.OrderBy(p => p.Key, StringComparer.Ordinal);
            foreach (var (key, item) in entries)
            {
                writer.WritePropertyName(key);
                JsonSerializer.Serialize(writer, item, options);
            }
            writer.WriteEndObject();
        }
    }
}
