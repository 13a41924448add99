namespace Promethean.Core.Sentinels;

/// <summary>Shape of a <see cref="FieldValue"/>.</summary>
public enum FieldValueKind
{
    Null,
    Scalar,
    List,
    Other,
}
