using System.Collections.Immutable;
using Promethean.Core.Components;

namespace Promethean.Core.Sentinels;

/// <summary>The contracts that ship with Promethean, as data.</summary>
public static class Contracts
{
    public const string MarkdownInput = "fs/markdown";
    public const string MarkdownWithFrontmatter = "fs/markdown+frontmatter";

    /// <summary>seed 9.2 / DESIGN 6: every note carries title, slug, description, tags and tagged_at.</summary>
    public static readonly Contract FrontmatterV1 = new(
        "frontmatter/v1",
        MarkdownInput,
        MarkdownWithFrontmatter,
        ContractValidators.FrontmatterV1,
        ImmutableSortedSet.Create(StringComparer.Ordinal, "fs/read", "fs/write", "llm/chat"),
        "builtin")
    {
        Fields =
        [
            new FieldRule("title", FieldKinds.Text, 1, 200),
            new FieldRule("slug", FieldKinds.KebabCase, 1, 120),
            new FieldRule("description", FieldKinds.Sentences, 1, 2),
            new FieldRule("tags", FieldKinds.KebabList, 1, 12),
            new FieldRule("tagged_at", FieldKinds.Iso8601Utc),
        ],
    };
}
