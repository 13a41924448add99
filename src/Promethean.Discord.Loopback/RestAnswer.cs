namespace Promethean.Discord.Loopback;

/// <summary>An answer of the loopback REST API: HTTP status, JSON body and extra headers.</summary>
public sealed record RestAnswer(int Status, string Body, IReadOnlyDictionary<string, string> Headers)
{
    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();

    public static RestAnswer Json(int status, string body) => new(status, body, NoHeaders);
}
