using System.Net;

namespace Promethean.Discord;

/// <summary>
/// Discord refused a request or could not be reached after the allowed retries. Carries the HTTP status
/// and Discord's own error code and message (e.g. 50035 Invalid Form Body); never the token.
/// </summary>
public sealed class DiscordApiException(HttpStatusCode? status, int? code, string message, bool retryable, Exception? inner = null)
    : Exception(Describe(status, code, message), inner)
{
    public HttpStatusCode? Status { get; } = status;

    /// <summary>Discord's JSON error code, when the body had one.</summary>
    public int? Code { get; } = code;

    public string DiscordMessage { get; } = message;

    /// <summary>True when trying again later may succeed (rate limits, 5xx, network); false for 4xx.</summary>
    public bool Retryable { get; } = retryable;

    private static string Describe(HttpStatusCode? status, int? code, string message)
    {
        var http = status is null ? "no HTTP response" : $"HTTP {(int)status}";
        return code is null ? $"Discord: {http}: {message}" : $"Discord: {http}, code {code}: {message}";
    }
}
