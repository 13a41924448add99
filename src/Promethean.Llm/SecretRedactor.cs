using System.Text.RegularExpressions;

namespace Promethean.Llm;

/// <summary>
/// Removes API keys from anything that leaves the client (error events, logs, notes): the configured keys
/// verbatim, and anything shaped like a bearer token or an <c>sk-</c> key that a server may echo back.
/// </summary>
public sealed partial class SecretRedactor
{
    public const string Mask = "[redacted]";
    private readonly string[] _secrets;

    public SecretRedactor(IEnumerable<string?> secrets) =>
        _secrets = [.. secrets.Where(s => !string.IsNullOrEmpty(s) && s.Length >= 4).Select(s => s!).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length)];

    public static SecretRedactor None { get; } = new([]);

    public string Scrub(string text)
    {
        foreach (var secret in _secrets)
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        text = BearerPattern().Replace(text, "Bearer " + Mask);
        return KeyPattern().Replace(text, Mask);
    }

    [GeneratedRegex(@"Bearer\s+[A-Za-z0-9._~+/=-]{8,}", RegexOptions.IgnoreCase)]
    private static partial Regex BearerPattern();

    [GeneratedRegex(@"\b(?:sk|pk|rk)-[A-Za-z0-9_-]{8,}")]
    private static partial Regex KeyPattern();
}
