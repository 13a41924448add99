using Promethean.Core.Sentinels;

namespace Promethean.Core.Tests.Sentinels;

public sealed class PromptBuilderTests
{
    private static PromptInput Input(string body, int attempt = 1, string? previous = null, string[]? violations = null) =>
        new(Contracts.FrontmatterV1, "docs/notes/a.md", "author: ada\n", body,
            [new Violation("title", "required", "title is missing")], "2026-11-25T10:00:00Z", attempt, previous, [.. violations ?? []]);

    [Fact]
    public void Build_FirstAttempt_HasRulesExistingFrontmatterAndBody()
    {
        var messages = PromptBuilder.Build(Input("# Hello\n\nWorld.\n"), 1500);
        messages.Length.ShouldBe(2);
        messages[0].Role.ShouldBe("system");
        messages[0].Content.ShouldContain("kebab-case");
        messages[1].Content.ShouldContain("author: ada");
        messages[1].Content.ShouldContain("# Hello");
        messages[1].Content.ShouldContain("title is missing");
        messages[1].Content.ShouldContain("2026-11-25T10:00:00Z");
    }

    [Fact]
    public void Build_LongBody_ExcerptStaysWithinBudget()
    {
        var body = string.Concat(Enumerable.Repeat("a line of the note body\n", 10_000));
        var user = PromptBuilder.Build(Input(body), 100)[1].Content;
        user.Length.ShouldBeLessThan(100 * PromptBuilder.CharsPerToken + 1_000);
        user.ShouldContain("cut to fit");
    }

    [Fact]
    public void Build_Retry_IsStricterAndQuotesViolations()
    {
        var messages = PromptBuilder.Build(Input("body", 2, "title: \nslug: Bad Slug", ["slug: slug 'Bad Slug' is not kebab-case [kebab-case]"]), 1500);
        messages.Length.ShouldBe(4);
        messages[2].Role.ShouldBe("assistant");
        messages[3].Content.ShouldContain("REJECTED");
        messages[3].Content.ShouldContain("'Bad Slug' is not kebab-case");
        messages[3].Content.ShouldContain("ONLY");
    }

    [Fact]
    public void Excerpt_DoesNotSplitSurrogatePairs()
    {
        var (excerpt, cut) = PromptBuilder.Excerpt(new string('a', 9) + "🎉🎉", 10);
        cut.ShouldBeTrue();
        excerpt.ShouldBe(new string('a', 9));
    }
}
