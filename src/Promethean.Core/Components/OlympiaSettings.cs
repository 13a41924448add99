using System.Collections.Immutable;

namespace Promethean.Core.Components;

/// <summary>
/// Token prices olympia.step turns usage into cost with, written at genesis from <c>Llm:Endpoints:*:Prices</c>.
/// Keys are <c>endpoint|model</c>, where the model part may be a prefix of the reported model name
/// (<c>gpt-4o-mini</c> prices <c>gpt-4o-mini-2024-07-18</c>) or <c>*</c> for any model of the endpoint.
/// </summary>
public sealed record OlympiaSettings(ImmutableSortedDictionary<string, TokenPrice> Prices) : Component
{
    public const string AnyModel = "*";

    public static readonly OlympiaSettings None = new(ImmutableSortedDictionary.Create<string, TokenPrice>(StringComparer.Ordinal));

    public static string Key(string endpoint, string model) => endpoint + "|" + model;

    /// <summary>The price of a call: exact model, else the longest configured prefix of it, else the endpoint's <c>*</c>.</summary>
    public TokenPrice? PriceOf(string endpoint, string model)
    {
        if (Prices.IsEmpty)
            return null;
        if (Prices.TryGetValue(Key(endpoint, model), out var exact))
            return exact;
        var prefix = endpoint + "|";
        TokenPrice? best = null;
        var bestLength = -1;
        foreach (var (key, price) in Prices)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal))
                continue;
            var m = key[prefix.Length..];
            if (m != AnyModel && model.StartsWith(m, StringComparison.Ordinal) && m.Length > bestLength)
            {
                best = price;
                bestLength = m.Length;
            }
        }
        return best ?? Prices.GetValueOrDefault(Key(endpoint, AnyModel));
    }
}

/// <summary>US dollars per million input (prompt) and output (completion) tokens.</summary>
public sealed record TokenPrice(double InputPerMillion, double OutputPerMillion)
{
    public double Cost(long promptTokens, long completionTokens) =>
        (promptTokens * InputPerMillion + completionTokens * OutputPerMillion) / 1_000_000.0;
}
