using Promethean.Core.Components;

namespace Promethean.Core.Sentinels;

/// <summary>The rule kinds a <see cref="FieldRule"/> may name.</summary>
public static class FieldKinds
{
    public const string Text = "text";
    public const string KebabCase = "kebab-case";
    public const string Sentences = "sentences";
    public const string KebabList = "kebab-list";
    public const string Iso8601Utc = "iso-8601-utc";
}
