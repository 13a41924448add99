using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Promethean.TestSupport;

/// <summary>A request the loopback server received, as the client sent it.</summary>
public sealed record RecordedRequest(string Method, string Path, string Body, ImmutableSortedDictionary<string, string> Headers)
{
    /// <summary>The body parsed as JSON (null for an empty or non-JSON body).</summary>
    public JsonObject? Json
    {
        get
        {
            try
            {
                return string.IsNullOrEmpty(Body) ? null : JsonNode.Parse(Body) as JsonObject;
            }
            catch (System.Text.Json.JsonException)
            {
                return null;
            }
        }
    }

    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;
}
