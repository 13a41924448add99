using CsCheck;
using Promethean.Core.Sentinels;

namespace Promethean.Core.Tests.Sentinels;

public sealed class FrontmatterWriterTests
{
    private static string Merge(string text, params (string Key, FieldValue Value)[] updates)
    {
        var doc = FrontmatterDocument.Split(text, out var error);
        error.ShouldBeNull();
        var entries = FrontmatterYaml.Parse(doc.Yaml, out error);
        error.ShouldBeNull();
        return FrontmatterWriter.Merge(doc, entries, updates.Select(u => KeyValuePair.Create(u.Key, u.Value)));
    }

    [Fact]
    public void Merge_NoFrontmatter_PrependsBlockBodyUntouched()
    {
        var text = "# Title\n\nBody text.";
        Merge(text, ("title", FieldValue.Of("Title")), ("tags", FieldValue.List(["a", "b"])))
            .ShouldBe("---\ntitle: Title\ntags:\n  - a\n  - b\n---\n# Title\n\nBody text.");
    }

    [Fact]
    public void Merge_ExistingKeys_ReplacedInPlaceUnknownKeysAndCommentsKept()
    {
        var text = "---\nauthor: ada # me\ntitle: old\n# keep this comment\nweird:   {a: 1}\ntags: [x]\n---\nbody\n";
        Merge(text, ("title", FieldValue.Of("New title")), ("tags", FieldValue.List(["z"])), ("slug", FieldValue.Of("new-title")))
            .ShouldBe("---\nauthor: ada # me\ntitle: New title\n# keep this comment\nweird:   {a: 1}\ntags:\n  - z\nslug: new-title\n---\nbody\n");
    }

    [Fact]
    public void Merge_UnchangedValue_LeavesItsLineAlone()
    {
        var text = "---\ntitle:    Same\n---\n";
        Merge(text, ("title", FieldValue.Of("Same"))).ShouldBe(text);
    }

    [Fact]
    public void Merge_CrlfAndBom_KeepsThem()
    {
        var text = "\uFEFF---\r\nx: 1\r\n---\r\nline one  \r\nline two";
        Merge(text, ("title", FieldValue.Of("T"))).ShouldBe("\uFEFF---\r\nx: 1\r\ntitle: T\r\n---\r\nline one  \r\nline two");
    }

    [Fact]
    public void Merge_CrlfBodyWithoutFrontmatter_UsesCrlf()
    {
        Merge("a\r\nb\r\n", ("title", FieldValue.Of("T"))).ShouldBe("---\r\ntitle: T\r\n---\r\na\r\nb\r\n");
    }

    [Theory]
    [InlineData("plain words")]
    [InlineData("colon: inside")]
    [InlineData("yes")]
    [InlineData("2024")]
    [InlineData("\"quoted\" and \\ back")]
    [InlineData("line\nbreak")]
    [InlineData("--- not a delimiter")]
    [InlineData("#hash")]
    [InlineData("trailing space ")]
    [InlineData("emoji 🎉 and ünïcödé")]
    [InlineData("[not, a, list]")]
    [InlineData("2026-11-25T10:00:00Z")]
    public void Scalar_AnyText_ReadsBackTheSame(string value)
    {
        var yaml = FrontmatterWriter.Emit("k", FieldValue.Of(value), "\n");
        var entries = FrontmatterYaml.Parse(yaml, out var error);
        error.ShouldBeNull();
        entries.ShouldHaveSingleItem().Value.ShouldBe(FieldValue.Of(value));
    }

    [Fact]
    public void Scalar_RandomText_ReadsBackTheSame() =>
        Gen.String.Where(s => s.Length > 0 && !s.Any(char.IsSurrogate)).Sample(value =>
        {
            var entries = FrontmatterYaml.Parse(FrontmatterWriter.Emit("k", FieldValue.Of(value), "\n"), out var error);
            return error is null && entries.Length == 1 && entries[0].Value.Scalar == value;
        });

    [Fact]
    public void Merge_RandomBodies_BodyByteIdentical()
    {
        var piece = Gen.OneOfConst("text", "  ", "\t", "\r\n", "\n", "```", "---", "# h", "ü", "🎉", "\uFEFF", "...", "key: v");
        piece.Array[0, 20].Select(p => string.Concat(p)).Sample(body =>
        {
            var text = "---\ntitle: x\n---\n" + body;
            var merged = Merge(text, ("title", FieldValue.Of("New")), ("slug", FieldValue.Of("new")));
            return FrontmatterDocument.Split(merged, out _).Body == body;
        });
    }
}
