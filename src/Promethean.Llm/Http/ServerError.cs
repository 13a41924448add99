using System.Text.Json;

namespace Promethean.Llm.Http;

/// <summary>
/// The server's own words from an error body, whatever its shape: <c>{"error":{"message":...}}</c>,
/// <c>{"error":"..."}</c>, <c>{"detail":...}</c>, <c>{"message":...}</c> or plain text.
/// </summary>
public static class ServerError
{
    public const int MaxLength = 2000;

    public static string MessageOf(string body)
    {
        var trimmed = body.Trim();
        if (trimmed.Length == 0)
            return "(empty body)";
        try
        {
            using var doc = JsonDocument.Parse(trimmed);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("error", out var error))
                {
                    if (error.ValueKind == JsonValueKind.String)
                        return Cap(error.GetString()!);
                    if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m))
                        return Cap(m.ValueKind == JsonValueKind.String ? m.GetString()! : m.GetRawText());
                    return Cap(error.GetRawText());
                }
                if (root.TryGetProperty("detail", out var detail))
                    return Cap(detail.ValueKind == JsonValueKind.String ? detail.GetString()! : detail.GetRawText());
                if (root.TryGetProperty("message", out var message))
                    return Cap(message.ValueKind == JsonValueKind.String ? message.GetString()! : message.GetRawText());
            }
        }
        catch (JsonException)
        {
            // Not JSON: the body itself is the message.
        }
        return Cap(trimmed);
    }

    private static string Cap(string s) => s.Length <= MaxLength ? s : s[..MaxLength] + "…";
}
