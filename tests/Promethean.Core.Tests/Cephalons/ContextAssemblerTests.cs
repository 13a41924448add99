using CsCheck;
using Promethean.Core.Components;
using Promethean.Core.Context;
using Shouldly;

namespace Promethean.Core.Tests.Cephalons;

public sealed class ContextAssemblerTests
{
    private static readonly TokenCounter Tokens = TokenCounter.For("gpt-4o");

    private static readonly string[] Words =
        ["vault", "sync", "deploy", "budget", "tokens", "the", "agent", "answered", "twice", "メモ", "ünïcode", "🦆", "release", "Thursday", "#ops", "https://example.org/x"];

    private static readonly Gen<string> Text =
        Gen.Int[0, 120].SelectMany(n => Gen.Int[0, Words.Length - 1].Array[n]).Select(ix => string.Join(' ', ix.Select(i => Words[i])));

    private static Gen<List<ContextItem>> Items(string prefix, int max) =>
        Gen.Select(Text, Gen.Double[0, 1]).List[0, max]
            .Select(list => list.Select((x, i) => new ContextItem($"{prefix}{i}", x.Item1, $"{prefix}-hash-{i}", x.Item2)).OrderByDescending(c => c.Score).ToList());

    private static readonly Gen<List<RecentEntry>> RecentGen =
        Gen.Select(Text, Gen.Bool).List[0, 40]
            .Select(list => list.Select((x, i) => new RecentEntry(x.Item2 ? "user" : "assistant", "ada", x.Item1, "42", i, $"recent-hash-{i}")).ToList());

    private static readonly Gen<ContextRequest> Requests =
        Gen.Select(Gen.Int[64, 16_384], Gen.Int[1, 4_096], Text, Items("p", 8), RecentGen, Items("r", 60), Gen.Int[0, 600])
            .Select((window, output, system, persistent, recent, related, tools) =>
                new ContextRequest(window, output, system, persistent, recent, related) { ToolTokens = tools });

    [Fact]
    public void Build_NeverExceedsTheWindow_AndNeverDropsAPinSilently()
    {
        Requests.Sample(request =>
        {
            var context = ContextAssembler.Build(request, Tokens);
            var prompt = Tokens.CountMessages(context.Messages) + request.ToolTokens;
            context.Tokens.Prompt.ShouldBe(prompt);
            if (context.OutputTokens > 0)
                (prompt + context.OutputTokens).ShouldBeLessThanOrEqualTo(request.WindowTokens);
            context.OutputTokens.ShouldBeLessThanOrEqualTo(request.MaxOutputTokens);

            var pinned = context.Messages.FirstOrDefault(m => m.Content.StartsWith(ContextAssembler.PersistentHeader, StringComparison.Ordinal))?.Content ?? "";
            var kept = pinned.Split('\n').Skip(1).ToList();
            var dropped = context.DroppedPersistent.ToHashSet(StringComparer.Ordinal);
            kept.Count.ShouldBe(request.Persistent.Count - dropped.Count, "every pin is in the prompt or named as dropped");
            foreach (var item in request.Persistent.Where(p => !dropped.Contains(p.MemoryId)))
                kept.ShouldContain("- " + item.Line);
        }, iter: 300);
    }

    [Fact]
    public void Build_LaysSectionsOutAsSystemRelatedPersistentRecent()
    {
        var request = new ContextRequest(8192, 512, "You are Duck.",
            [new ContextItem("p1", "pinned fact", "hp1", 1)],
            [new RecentEntry("user", "ada", "first", "42", 1, "h1"), new RecentEntry("assistant", "Duck", "reply", "42", 2, "h2"), new RecentEntry("user", "ada", "second", "42", 3, "h3")],
            [new ContextItem("r1", "related fact", "hr1", 0.9)]);
        var context = ContextAssembler.Build(request, Tokens);

        context.Messages.Select(m => m.Role).ShouldBe(["system", "system", "system", "user", "assistant", "user"]);
        context.Messages[1].Content.ShouldStartWith(ContextAssembler.RelatedHeader);
        context.Messages[2].Content.ShouldStartWith(ContextAssembler.PersistentHeader);
        context.Messages[3].Content.ShouldBe("ada: first");
        context.Messages[^1].Content.ShouldBe("ada: second");
        context.Tokens.Related.ShouldBeGreaterThan(0);
        context.Tokens.Persistent.ShouldBeGreaterThan(0);
        context.Tokens.Recent.ShouldBe(Tokens.Count("ada: first") + Tokens.Count("reply") + Tokens.Count("ada: second"));
    }

    [Fact]
    public void Build_DedupesAcrossSections_PersistentThenRecentThenRelated()
    {
        var request = new ContextRequest(8192, 512, "sys",
            [new ContextItem("m1", "pinned and also related", "hash-a", 1)],
            [new RecentEntry("user", "ada", "said recently", "42", 1, "hash-b")],
            [new ContextItem("m1", "pinned and also related", "hash-a", 0.9), new ContextItem("m2", "said recently", "hash-b", 0.8), new ContextItem("m3", "only related", "hash-c", 0.7)]);
        var context = ContextAssembler.Build(request, Tokens);

        context.RelatedIds.ShouldBe(["m3"]);
        context.Deduplicated.ShouldBe(2);
    }

    [Fact]
    public void Build_Overflow_CutsLowestRelatedFirstThenOldestRecent()
    {
        var related = Enumerable.Range(0, 200).Select(i => new ContextItem($"r{i}", $"related memory number {i} about the vault sync and deploys", $"hr{i}", 1 - i / 1000.0)).ToList();
        var recent = Enumerable.Range(0, 60).Select(i => new RecentEntry("user", "ada", $"recent line {i} about budgets and tokens", "42", i, $"h{i}")).ToList();
        var context = ContextAssembler.Build(new ContextRequest(2048, 256, "You are Duck.", [], recent, related), Tokens);

        context.RelatedIds.ShouldBe(related.Take(context.RelatedIds.Length).Select(r => r.MemoryId), "the best scored are kept");
        context.DroppedRelated.ShouldBeGreaterThan(0);
        context.DroppedRecent.ShouldBeGreaterThan(0);
        context.Messages[^1].Content.ShouldBe("ada: recent line 59 about budgets and tokens", "the newest recent line is kept");
        context.Tokens.Related.ShouldBeGreaterThanOrEqualTo((int)(1.6 * context.Tokens.Recent), "related gets at least 1.6x recent");
    }

    [Fact]
    public void Build_PinsTooLargeForTheWindow_AreNamedNotSilentlyCut()
    {
        var pins = Enumerable.Range(0, 5).Select(i => new ContextItem($"p{i}", string.Join(' ', Enumerable.Repeat($"pinned{i} text", 200)), $"hp{i}", 1)).ToList();
        var context = ContextAssembler.Build(new ContextRequest(1024, 128, "sys", pins, [], []), Tokens);

        context.DroppedPersistent.ShouldNotBeEmpty();
        (context.Tokens.Prompt + context.OutputTokens).ShouldBeLessThanOrEqualTo(1024);
    }

    [Fact]
    public void Shares_Problems_RejectRelatedBelowOnePointSixTimesRecent()
    {
        ContextShares.Default.Problems().ShouldBeEmpty();
        new ContextShares(Recent: 0.3, Related: 0.4).Problems().ShouldContain(p => p.Contains("1.6"));
        new ContextShares(Related: 0.9).Problems().ShouldContain(p => p.Contains("nothing for the answer"));
    }
}
