using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Promethean.Core.Components;

namespace Promethean.Core.Sentinels;

/// <summary>Validators by the id a contract names (seed 9.2 <c>:contract.validator</c>).</summary>
public static partial class ContractValidators
{
    public const string FrontmatterV1 = "validator/frontmatter-v1";

    /// <summary>Checks exactly the contract's field rules; for contracts that need nothing more.</summary>
    public const string Fields = "validator/fields";

    public const int MaxDescriptionChars = 400;

    public static readonly ImmutableSortedDictionary<string, ContractValidator> All =
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, ContractValidator>
        {
            [FrontmatterV1] = ValidateFields,
            [Fields] = ValidateFields,
        });

    public static ContractValidator Resolve(string id) =>
        All.TryGetValue(id, out var v) ? v : throw new KeyNotFoundException($"unknown validator '{id}'");

    public static ImmutableArray<Violation> Validate(Contract contract, IReadOnlyDictionary<string, FieldValue> fields) =>
        Resolve(contract.Validator)(contract, fields);

    public static ImmutableArray<Violation> ValidateFields(Contract contract, IReadOnlyDictionary<string, FieldValue> fields)
    {
        var violations = ImmutableArray.CreateBuilder<Violation>();
        foreach (var rule in contract.Fields)
        {
            if (!fields.TryGetValue(rule.Field, out var value) || value.Kind == FieldValueKind.Null)
            {
                violations.Add(new Violation(rule.Field, "required", $"{rule.Field} is missing; {Describe(rule)}"));
                continue;
            }
            var message = Check(rule, value);
            if (message is not null)
                violations.Add(new Violation(rule.Field, rule.Kind, message));
        }
        return violations.ToImmutable();
    }

    /// <summary>What a rule asks for, in words a model (and a person) can follow.</summary>
    public static string Describe(FieldRule rule) => rule.Kind switch
    {
        FieldKinds.Text => $"{rule.Field} must be a non-empty single line of at most {MaxOf(rule, 200)} characters",
        FieldKinds.KebabCase => $"{rule.Field} must be kebab-case: lowercase letters and digits joined by single hyphens, e.g. my-note-title",
        FieldKinds.Sentences => $"{rule.Field} must be {Range(rule.Min, rule.Max)} plain sentence(s) on one line, ending with '.', '!' or '?', at most {MaxDescriptionChars} characters",
        FieldKinds.KebabList => $"{rule.Field} must be a YAML list of {Range(rule.Min, rule.Max)} unique kebab-case items",
        FieldKinds.Iso8601Utc => $"{rule.Field} must be an ISO-8601 UTC timestamp like 2026-01-31T09:30:00Z",
        _ => $"{rule.Field} must satisfy rule '{rule.Kind}'",
    };

    private static string Range(int min, int max) => min == max ? min.ToString(CultureInfo.InvariantCulture) : $"{min} to {max}";

    private static int MaxOf(FieldRule rule, int fallback) => rule.Max > 0 ? rule.Max : fallback;

    private static string? Check(FieldRule rule, FieldValue value)
    {
        if (rule.Kind == FieldKinds.KebabList)
            return CheckList(rule, value);
        if (value.Kind != FieldValueKind.Scalar)
            return $"{rule.Field} must be a single value, got {(value.Kind == FieldValueKind.List ? "a list" : "a nested value")}; {Describe(rule)}";
        var text = value.Scalar!;
        switch (rule.Kind)
        {
            case FieldKinds.Text:
                if (string.IsNullOrWhiteSpace(text))
                    return $"{rule.Field} is empty; {Describe(rule)}";
                if (text.Contains('\n', StringComparison.Ordinal) || text.Contains('\r', StringComparison.Ordinal))
                    return $"{rule.Field} spans several lines; {Describe(rule)}";
                if (text.Length > MaxOf(rule, 200))
                    return $"{rule.Field} is {text.Length} characters long; {Describe(rule)}";
                return null;
            case FieldKinds.KebabCase:
                if (!IsKebab(text))
                    return $"{rule.Field} '{Quote(text)}' is not kebab-case; {Describe(rule)}";
                if (rule.Max > 0 && text.Length > rule.Max)
                    return $"{rule.Field} is {text.Length} characters long, at most {rule.Max} allowed";
                return null;
            case FieldKinds.Sentences:
                var count = Sentences.Split(text).Count;
                if (string.IsNullOrWhiteSpace(text))
                    return $"{rule.Field} is empty; {Describe(rule)}";
                if (text.Contains('\n', StringComparison.Ordinal) || text.Length > MaxDescriptionChars)
                    return $"{rule.Field} is too long or spans several lines; {Describe(rule)}";
                if (!text.TrimEnd().EndsWith('.') && !text.TrimEnd().EndsWith('!') && !text.TrimEnd().EndsWith('?'))
                    return $"{rule.Field} does not end with '.', '!' or '?'; {Describe(rule)}";
                if (count < rule.Min || count > rule.Max)
                    return $"{rule.Field} has {count} sentences; {Describe(rule)}";
                return null;
            case FieldKinds.Iso8601Utc:
                return IsIsoUtc(text) ? null : $"{rule.Field} '{Quote(text)}' is not an ISO-8601 UTC timestamp; {Describe(rule)}";
            default:
                return $"unknown rule kind '{rule.Kind}' for {rule.Field}";
        }
    }

    private static string? CheckList(FieldRule rule, FieldValue value)
    {
        if (value.Kind != FieldValueKind.List)
            return $"{rule.Field} must be a list; {Describe(rule)}";
        var items = value.Items;
        if (items.Length < rule.Min || rule.Max > 0 && items.Length > rule.Max)
            return $"{rule.Field} has {items.Length} items; {Describe(rule)}";
        var bad = items.Where(t => !IsKebab(t)).ToList();
        if (bad.Count > 0)
            return $"{rule.Field} has items that are not kebab-case: {string.Join(", ", bad.Take(5).Select(b => "'" + Quote(b) + "'"))}; {Describe(rule)}";
        var dupes = items.GroupBy(t => t, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (dupes.Count > 0)
            return $"{rule.Field} repeats {string.Join(", ", dupes.Take(5))}; {Describe(rule)}";
        return null;
    }

    public static bool IsKebab(string text) => KebabRegex().IsMatch(text);

    public static bool IsIsoUtc(string text) =>
        IsoRegex().IsMatch(text)
        && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out _);

    private static string Quote(string text) => text.Length <= 60 ? text : text[..60] + "…";

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex KebabRegex();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?Z$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoRegex();
}
