using Promethean.Core.Sentinels;

namespace Promethean.Core.Tests.Sentinels;

public sealed class AnswerParserTests
{
    private static readonly string[] Fields = ["title", "slug", "description", "tags", "tagged_at"];

    private static System.Collections.Immutable.ImmutableSortedDictionary<string, FieldValue> Parse(string answer, out string? error) =>
        AnswerParser.Parse(answer, Fields, 16_384, out error);

    [Theory]
    [InlineData("title: A\nslug: a\n")]
    [InlineData("```yaml\ntitle: A\nslug: a\n```")]
    [InlineData("Sure! Here it is:\n\n```yml\ntitle: A\nslug: a\n```\nLet me know if you need more.")]
    [InlineData("Here you go:\n---\ntitle: A\nslug: a\n---\nThanks")]
    [InlineData("{\"title\": \"A\", \"slug\": \"a\"}")]
    [InlineData("The answer is {\"title\": \"A\", \"slug\": \"a\"} as JSON.")]
    [InlineData("```json\n{\"title\": \"A\", \"slug\": \"a\"}\n```")]
    [InlineData("<think>hmm, title: B</think>\ntitle: A\nslug: a")]
    public void Parse_AcceptedShapes_ReadFields(string answer)
    {
        var map = Parse(answer, out var error);
        error.ShouldBeNull();
        map["title"].ShouldBe(FieldValue.Of("A"));
        map["slug"].ShouldBe(FieldValue.Of("a"));
    }

    [Fact]
    public void Parse_JsonArray_BecomesList()
    {
        var map = Parse("{\"tags\": [\"a\", \"b\"]}", out _);
        map["tags"].Items.ShouldBe(["a", "b"]);
    }

    [Fact]
    public void Parse_PathTraversalAndUnknownKeys_AreDropped()
    {
        var map = Parse("title: A\n../../etc/passwd: x\npath: ../../secret.md\n/abs: y\n", out var error);
        error.ShouldBeNull();
        map.Keys.ShouldBe(["title"]);
    }

    [Fact]
    public void Parse_HugeAnswer_IsRejectedWithReason()
    {
        var map = AnswerParser.Parse("title: " + new string('a', 20_000), Fields, 16_384, out var error);
        map.ShouldBeEmpty();
        error.ShouldNotBeNull().ShouldContain("limit");
    }

    [Theory]
    [InlineData("")]
    [InlineData("I cannot help with that.")]
    [InlineData("```yaml\nfoo: bar\n```")]
    public void Parse_NoContractFields_IsError(string answer)
    {
        Parse(answer, out var error).ShouldBeEmpty();
        error.ShouldNotBeNull();
    }
}
