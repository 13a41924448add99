using System.Collections.Immutable;
using Promethean.Core;
using Promethean.Core.Compaction;
using Promethean.Core.Effects;
using Promethean.Llm.Builtin;

namespace Promethean.Llm.Tests;

/// <summary>The builtin <c>memory/summary</c> responder: an extractive summary of a compaction group that keeps its facts.</summary>
public sealed class MemorySummaryResponderTests
{
    private static readonly long Day = new DateTimeOffset(2024, 3, 5, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static Memory Message(int minute, string author, string text) => new(
        "m" + minute, "discord.message", text, text, "discord:" + minute,
        ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal).Add("channel", "42").Add("authorName", author),
        [], [], Memory.Active, Day + minute * 60_000L);

    private static LlmChat Prompt(params Memory[] sources)
    {
        var group = new CompactionGroup("h", "42", Day, Day + 86_400_000, "tag:backup", [.. sources.Select(s => s.Id)], sources[0].CreatedMs, sources[^1].CreatedMs, 100);
        return new LlmChat("builtin", "", SummaryPrompt.Build(group, sources, 12_000), [])
        {
            Meta = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal).Add("contract", SummaryPrompt.Contract),
        };
    }

    private static readonly Memory[] Thread =
    [
        Message(60, "ada", "good morning!"),
        Message(61, "bob", "The nightly backup on nas01 failed again. Borg exited with code 2."),
        Message(62, "ada", "ok"),
        Message(63, "ada", "Retention is 30 days, so we still have last week's backup."),
        Message(64, "cy", "I rotated the key in the vault under ops/backup, see https://wiki.example.org/backup for the runbook."),
        Message(65, "bob", "thanks!"),
    ];

    [Fact]
    public void Respond_GroupPrompt_KeepsFactsWithAuthorsAndDropsChatter()
    {
        var text = new MemorySummaryResponder().Respond(Prompt(Thread)).Content;

        text.ShouldStartWith("bob: The nightly backup on nas01 failed again. Borg exited with code 2.");
        text.Split('\n')[^1].ShouldStartWith("(Channel 42, 2024-03-05 UTC, 6 messages, cluster tag:backup, 01:00 to 01:05. Mentioned: ");
        text.ShouldContain("ada: Retention is 30 days");
        text.ShouldContain("cy: I rotated the key in the vault under ops/backup");
        text.ShouldNotContain("good morning");
        text.ShouldNotContain("thanks");
        text.ShouldEndWith(".)");
        text.ShouldContain("https://wiki.example.org/backup");
    }

    [Fact]
    public void Respond_SamePrompt_SameSummary() =>
        new MemorySummaryResponder().Respond(Prompt(Thread)).Content.ShouldBe(new MemorySummaryResponder().Respond(Prompt(Thread)).Content);

    [Fact]
    public void Respond_LongGroup_StaysWithinTheBudgetAndKeepsSourceOrder()
    {
        var many = Enumerable.Range(0, 80).Select(i => Message(i, "u" + (i % 3), $"Server web{i:00} moved to rack R{i % 7} with 64GB RAM and kernel 6.{i % 9}.")).ToArray();
        var text = new MemorySummaryResponder().Respond(Prompt(many)).Content;

        var body = text.Split('\n').SkipLast(1).ToList();
        string.Join('\n', body).Length.ShouldBeLessThanOrEqualTo(MemorySummaryResponder.MaxChars + 200);
        body.Count.ShouldBeGreaterThan(3);
        var numbers = body.Select(l => int.Parse(l[(l.IndexOf("web", StringComparison.Ordinal) + 3)..][..2], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        numbers.ShouldBe(numbers.Order().ToList());
    }

    [Fact]
    public void Entities_Sentence_NamesNumbersIdentifiersAndLinks() =>
        MemorySummaryResponder.Entities("Then Ada saw System.IO.IOException in `sync.ts` at 03:00, see https://x.org/a.")
            .ShouldBe(["Ada", "System.IO.IOException", "`sync.ts`", "03:00", "https://x.org/a"]);

    [Fact]
    public async Task Handlers_Default_AnswerTheSummaryContractOffline()
    {
        var handlers = LlmHandlers.Create(new Runtime.Config.LlmConfig(), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var outcome = await handlers.OfType<LlmChatHandler>().Single().HandleAsync(Prompt(Thread) with { Id = "1-0" }, CancellationToken.None);
        outcome.ShouldBeOfType<Core.Events.LlmResponse>().Text.ShouldContain("nas01");
    }
}
