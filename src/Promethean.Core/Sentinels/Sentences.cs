using System.Text.RegularExpressions;

namespace Promethean.Core.Sentinels;

/// <summary>A plain sentence splitter shared by the validator and the heuristics, so they always agree.</summary>
public static partial class Sentences
{
    public static IReadOnlyList<string> Split(string text) =>
        [.. Boundary().Split(text.Trim()).Select(s => s.Trim()).Where(s => s.Length > 0)];

    [GeneratedRegex(@"(?<=[.!?])\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Boundary();
}
