using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace Promethean.Llm.Http;

/// <summary>
/// When and how long to wait before another attempt: 408, 429 and 5xx are retried (honouring
/// <c>Retry-After</c> in seconds or as an HTTP date, and OpenAI's <c>retry-after-ms</c>), otherwise
/// exponential backoff with jitter; 400, 401, 403, 404 and other client errors never are.
/// </summary>
public static class RetryPolicy
{
    public static bool IsRetryable(HttpStatusCode status) => (int)status switch
    {
        408 or 409 or 429 => true,
        500 or 502 or 503 or 504 => true,
        _ => false,
    };

    /// <summary>The wait the server asked for, if any; a date in the past means now.</summary>
    public static TimeSpan? RetryAfter(HttpResponseHeaders headers, DateTimeOffset now)
    {
        if (headers.TryGetValues("retry-after-ms", out var ms)
            && double.TryParse(ms.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var millis) && millis >= 0)
            return TimeSpan.FromMilliseconds(millis);
        if (headers.TryGetValues("Retry-After", out var values))
            return Parse(values.FirstOrDefault(), now);
        return null;
    }

    /// <summary>Parses a Retry-After value: delta-seconds (integer or decimal) or an HTTP date.</summary>
    public static TimeSpan? Parse(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        value = value.Trim();
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
            return seconds >= 0 ? TimeSpan.FromSeconds(seconds) : null;
        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            || DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date))
        {
            var wait = date - now;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }

    /// <summary>Exponential backoff for attempt 1, 2, ... with "equal jitter": half fixed, half random, capped.</summary>
    public static TimeSpan Backoff(int attempt, TimeSpan baseDelay, TimeSpan max, Random random)
    {
        var exp = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 20));
        var capped = Math.Min(exp, max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped / 2 + random.NextDouble() * capped / 2);
    }
}
