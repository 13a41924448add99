using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using Promethean.Core.Events;
using Promethean.Core.Serialization;

namespace Promethean.Runtime;

/// <summary>
/// One tick of a scripted input stream: its time and its inbound events. A script is JSON lines,
/// <c>{"timeMs": 1000, "events": [{"type": "discord.message/new", ...}]}</c>, and makes a run
/// fully deterministic: the same script gives the same world hash at every tick.
/// </summary>
public sealed record ScriptLine(long TimeMs, ImmutableArray<Event> Events)
{
    public static IEnumerable<ScriptLine> ReadFile(string path)
    {
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            yield return Parse(line, $"{path}:{number}");
        }
    }

    public static ScriptLine Parse(string json, string where)
    {
        try
        {
            var node = JsonNode.Parse(json)?.AsObject() ?? throw new JsonException("not an object");
            var time = node["timeMs"]?.GetValue<long>() ?? throw new JsonException("missing \"timeMs\"");
            var events = node["events"]?.AsArray() ?? throw new JsonException("missing \"events\"");
            return new ScriptLine(time, [.. events.Select(e => CanonicalJson.DeserializeEvent(e!.ToJsonString()))]);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new FormatException($"{where}: invalid script line: {e.Message}", e);
        }
    }

    public string ToJson()
    {
        var node = new JsonObject
        {
            ["timeMs"] = TimeMs,
            ["events"] = new JsonArray([.. Events.Select(e => (JsonNode)CanonicalJson.EventNode(e))]),
        };
        return System.Text.Encoding.UTF8.GetString(CanonicalJson.Write(node));
    }
}
