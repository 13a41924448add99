namespace Promethean.Core.Context;

/// <summary>
/// Shares of the model's window per context section (DESIGN 5): system 6%, persistent 8%, recent 18%,
/// related 42%, 3% safety; what remains is for the answer. Related gets at least 1.6 times recent.
/// </summary>
public sealed record ContextShares(double System = 0.06, double Persistent = 0.08, double Recent = 0.18, double Related = 0.42, double Safety = 0.03)
{
    public static readonly ContextShares Default = new();

    public const double MinRelatedOverRecent = 1.6;

    public double Output => 1 - System - Persistent - Recent - Related - Safety;

    /// <summary>Problems with these shares, as messages for a configuration error.</summary>
    public IEnumerable<string> Problems()
    {
        if (System < 0 || Persistent < 0 || Recent < 0 || Related < 0 || Safety < 0)
            yield return "context shares must not be negative";
        if (Output <= 0)
            yield return "context shares leave nothing for the answer: system + persistent + recent + related + safety must stay below 1";
        if (Related < MinRelatedOverRecent * Recent)
            yield return "the related share must be at least 1.6 times the recent share";
    }
}
