using CsCheck;
using Promethean.Core.Sentinels;

namespace Promethean.Core.Tests.Sentinels;

public sealed class FrontmatterHeuristicsTests
{
    private const long Now = 1_764_064_800_000;

    private static System.Collections.Immutable.ImmutableSortedDictionary<string, FieldValue> Propose(string path, string text)
    {
        var answer = FrontmatterHeuristics.Propose(path, text, Now);
        var map = AnswerParser.Parse(answer, [.. Contracts.FrontmatterV1.Fields.Select(f => f.Field)], 16_384, out var error);
        error.ShouldBeNull();
        return map;
    }

    [Fact]
    public void Propose_NoteWithHeading_TitleSlugDescriptionTagsTime()
    {
        var map = Propose("docs/notes/rust/ownership.md", "# Ownership & Borrowing\n\nRust moves values by default. Borrowing lends them.\n\n```rust\nlet x = 1;\n```\n#memory\n");
        map["title"].Scalar.ShouldBe("Ownership & Borrowing");
        map["slug"].Scalar.ShouldBe("ownership-borrowing");
        map["description"].Scalar.ShouldBe("Rust moves values by default.");
        map["tags"].Items.ShouldContain("rust");
        map["tags"].Items.ShouldContain("memory");
        map["tagged_at"].Scalar.ShouldBe("2025-11-25T10:00:00Z");
        ContractValidators.Validate(Contracts.FrontmatterV1, map).ShouldBeEmpty();
    }

    [Fact]
    public void Propose_NoHeading_TitleFromFileName()
    {
        Propose("docs/notes/meeting_notes-2024.md", "just text")["title"].Scalar.ShouldBe("Meeting notes 2024");
    }

    [Fact]
    public void Propose_EmptyNote_StillValid()
    {
        ContractValidators.Validate(Contracts.FrontmatterV1, Propose("docs/notes/empty.md", "")).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("# Title\t- item```cs```Sentence one. Two!Sentence one. Two!# Titlekey: vtext```")]
    [InlineData("# Dr. Who? Yes. No!\n")]
    public void Propose_TitleFullOfSentences_DescriptionIsStillOneSentence(string note) =>
        ContractValidators.Validate(Contracts.FrontmatterV1, Propose("docs/notes/a.md", note)).ShouldBeEmpty();

    [Fact]
    public void Propose_AnyText_IsValidAndDeterministic() =>
        Gen.OneOf(Gen.String, Gen.OneOfConst("# ", ". ", "! ", "? ", "\n", "```", "word", "Dr.", "\t", "- ").Array[0, 20].Select(string.Concat)).Sample(text =>
        {
            var a = FrontmatterHeuristics.Propose("docs/notes/x.md", text, Now);
            return a == FrontmatterHeuristics.Propose("docs/notes/x.md", text, Now)
                && ContractValidators.Validate(Contracts.FrontmatterV1, AnswerParser.Parse(a, ["title", "slug", "description", "tags", "tagged_at"], 16_384, out _)).IsEmpty;
        }, iter: 300);
}
