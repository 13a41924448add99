using Promethean.Core.Sentinels;

namespace Promethean.Core.Tests.Sentinels;

public sealed class FrontmatterYamlTests
{
    [Fact]
    public void Parse_Mapping_ReadsScalarsListsAndSpans()
    {
        var yaml = "title: Hello\ntags:\n  - a\n  - b\nextra:\n  nested: 1\n";
        var entries = FrontmatterYaml.Parse(yaml, out var error);
        error.ShouldBeNull();
        entries.Select(e => e.Key).ShouldBe(["title", "tags", "extra"]);
        entries[0].Value.ShouldBe(FieldValue.Of("Hello"));
        entries[1].Value.Items.ShouldBe(["a", "b"]);
        entries[2].Value.Kind.ShouldBe(FieldValueKind.Other);
        yaml[entries[1].SpanStart..entries[1].SpanEnd].ShouldBe("tags:\n  - a\n  - b\n");
    }

    [Fact]
    public void Parse_DuplicateKeys_IsMalformed()
    {
        FrontmatterYaml.Parse("title: a\ntitle: b\n", out var error);
        error.ShouldNotBeNull().ShouldContain("duplicate key 'title'");
    }

    [Fact]
    public void Parse_TabIndentation_IsMalformed()
    {
        FrontmatterYaml.Parse("tags:\n\t- a\n\t- b\n", out var error);
        error.ShouldNotBeNull().ShouldStartWith("malformed frontmatter");
    }

    [Theory]
    [InlineData("- a\n- b\n")]
    [InlineData("just a sentence\n")]
    public void Parse_NotAMapping_IsMalformed(string yaml)
    {
        FrontmatterYaml.Parse(yaml, out var error);
        error.ShouldNotBeNull();
    }

    [Fact]
    public void Parse_Aliases_AreNotExpanded()
    {
        var yaml = "a: &x [1, 2]\nb: *x\n";
        var entries = FrontmatterYaml.Parse(yaml, out var error);
        error.ShouldBeNull();
        entries[1].Value.Kind.ShouldBe(FieldValueKind.Other);
    }

    [Fact]
    public void Parse_EmptyOrCommentsOnly_IsEmpty()
    {
        FrontmatterYaml.Parse("", out var e1).ShouldBeEmpty();
        FrontmatterYaml.Parse("# only a comment\n", out var e2).ShouldBeEmpty();
        e1.ShouldBeNull();
        e2.ShouldBeNull();
    }
}
