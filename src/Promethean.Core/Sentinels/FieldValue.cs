using System.Collections.Immutable;

namespace Promethean.Core.Sentinels;

/// <summary>A top-level frontmatter value as the validator sees it: a scalar, a list of scalars, or anything else.</summary>
public sealed record FieldValue(FieldValueKind Kind, string? Scalar, ImmutableArray<string> Items)
{
    public static FieldValue Of(string scalar) => new(FieldValueKind.Scalar, scalar, []);

    public static FieldValue List(IEnumerable<string> items) => new(FieldValueKind.List, null, [.. items]);

    public static readonly FieldValue Null = new(FieldValueKind.Null, null, []);

    public static readonly FieldValue Other = new(FieldValueKind.Other, null, []);

    public override string ToString() => Kind switch
    {
        FieldValueKind.Scalar => Scalar!,
        FieldValueKind.List => "[" + string.Join(", ", Items) + "]",
        FieldValueKind.Null => "null",
        _ => "(nested)",
    };
}
