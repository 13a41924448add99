using CsCheck;
using Promethean.Core.Sentinels;

namespace Promethean.Core.Tests.Sentinels;

public sealed class FrontmatterDocumentTests
{
    [Theory]
    [InlineData("")]
    [InlineData("no frontmatter\n")]
    [InlineData("---\ntitle: a\n---\nbody\n")]
    [InlineData("\uFEFF---\r\ntitle: a\r\n---\r\nbody  \r\n")]
    [InlineData("---\ntitle: a\n---")]
    [InlineData("---\ntitle: a\n...\nbody")]
    [InlineData("# x\n\n```\n---\nnot: yaml\n---\n```\n")]
    public void Split_Any_RoundTripsExactly(string text)
    {
        FrontmatterDocument.Split(text, out _).ToText().ShouldBe(text);
    }

    [Fact]
    public void Split_Anything_RoundTripsExactly()
    {
        var line = Gen.OneOfConst("---", "...", "title: x", "", "  ", "```", "# h", "\uFEFF", "text \t", "tags:\n  - a");
        var ending = Gen.OneOfConst("\n", "\r\n", "");
        Gen.Select(line, ending).Array[0, 12]
            .Select(parts => string.Concat(parts.Select(p => p.Item1 + p.Item2)))
            .Sample(text => FrontmatterDocument.Split(text, out _).ToText() == text);
    }

    [Fact]
    public void Split_FrontmatterAtTop_SeparatesYamlAndBody()
    {
        var doc = FrontmatterDocument.Split("---\ntitle: a\n---\n# Body\n", out var error);
        error.ShouldBeNull();
        doc.HasFrontmatter.ShouldBeTrue();
        doc.Yaml.ShouldBe("title: a\n");
        doc.Body.ShouldBe("# Body\n");
        doc.Newline.ShouldBe("\n");
    }

    [Fact]
    public void Split_BomAndCrlf_KeepsBothAndUsesCrlf()
    {
        var doc = FrontmatterDocument.Split("\uFEFF---\r\ntitle: a\r\n---\r\nbody", out _);
        doc.Bom.ShouldBe("\uFEFF");
        doc.Newline.ShouldBe("\r\n");
        doc.Body.ShouldBe("body");
    }

    [Fact]
    public void Split_DashesInCodeBlock_IsNotFrontmatter()
    {
        var text = "# Title\n\n```yaml\n---\ntitle: nope\n---\n```\n";
        var doc = FrontmatterDocument.Split(text, out var error);
        error.ShouldBeNull();
        doc.HasFrontmatter.ShouldBeFalse();
        doc.Body.ShouldBe(text);
    }

    [Fact]
    public void Split_FrontmatterNotAtTop_IsBody()
    {
        var text = "\n---\ntitle: late\n---\ntext\n";
        var doc = FrontmatterDocument.Split(text, out var error);
        error.ShouldBeNull();
        doc.HasFrontmatter.ShouldBeFalse();
        doc.Body.ShouldBe(text);
    }

    [Theory]
    [InlineData("---\ntitle: a\nbody without end\n")]
    [InlineData("---")]
    [InlineData("---\n")]
    public void Split_Unclosed_ReportsMalformed(string text)
    {
        FrontmatterDocument.Split(text, out var error);
        error.ShouldNotBeNull().ShouldContain("never closed");
    }
}
