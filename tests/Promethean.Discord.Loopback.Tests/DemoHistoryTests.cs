using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Promethean.Core.Ingest;

namespace Promethean.Discord.Loopback.Tests;

/// <summary>The bundled day: its shape, and that the embedded files are exactly what the generator makes of the script.</summary>
public sealed partial class DemoHistoryTests
{
    private static readonly ChannelHistory History = DemoHistory.Load();

    [Fact]
    public void Load_IsADayOfThreeChannelsInDeliveryOrder()
    {
        History.Guild.Channels.Select(c => c.Name).ShouldBe(["dev", "general", "ops"]);
        History.Messages.Count.ShouldBeInRange(300, 600);
        History.Span.ShouldBeInRange(TimeSpan.FromHours(8), TimeSpan.FromHours(14));
        History.Messages.Zip(History.Messages.Skip(1)).ShouldAllBe(p => p.First.PlayAt <= p.Second.PlayAt);
        History.Messages.Select(m => m.ChannelId).Distinct().Count().ShouldBe(3);
    }

    [Fact]
    public void Load_HasExactDuplicatesUnderNewIds()
    {
        var reposts = History.Messages.Where(m => !m.Redelivery && !m.AuthorIsBot)
            .GroupBy(m => (m.AuthorId, m.Content)).Where(g => g.Select(m => m.Id).Distinct().Count() > 1).ToList();
        reposts.Count.ShouldBeGreaterThanOrEqualTo(4);
        reposts.ShouldContain(g => g.Select(m => m.ChannelId).Distinct().Count() == 1 && g.First().Content.Contains("root cause", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_HasGatewayRedeliveriesOfEarlierMessages()
    {
        var redelivered = History.Messages.Where(m => m.Redelivery).ToList();
        redelivered.Count.ShouldBeGreaterThanOrEqualTo(6);
        foreach (var again in redelivered)
        {
            var first = History.Messages.First(m => m.Id == again.Id);
            first.Redelivery.ShouldBeFalse();
            again.ShouldBe(first with { PlayAt = again.PlayAt, Redelivery = true });
            var order = History.Messages.ToList();
            order.IndexOf(again).ShouldBeGreaterThan(order.IndexOf(first));
        }
    }

    [Fact]
    public void Load_HasABotSpammingOneTemplate()
    {
        var families = History.Messages.Where(m => m.AuthorIsBot && !m.Redelivery)
            .GroupBy(m => (m.AuthorId, Pattern: SpamPattern.Of(m.Content))).Select(g => g.Count()).ToList();
        families.Max().ShouldBeGreaterThanOrEqualTo(40);
        History.Messages.Count(m => m.AuthorIsBot).ShouldBeGreaterThan(100);
    }

    [Fact]
    public void Load_AsksDuckAboutEarlierThingsThroughTheDay()
    {
        var questions = History.Messages.Where(m => !m.AuthorIsBot && AddressesDuck().IsMatch(m.Content)).ToList();
        questions.Count.ShouldBeGreaterThanOrEqualTo(10);
        questions.Select(q => q.Timestamp.Hour).Distinct().Count().ShouldBeGreaterThanOrEqualTo(6);
        questions.ShouldContain(q => q.Content.StartsWith("!remember", StringComparison.Ordinal));
        var sync = questions.First(q => q.Content.Contains("sync failure", StringComparison.Ordinal));
        History.Messages.ShouldContain(m => m.AuthorName == "ada" && m.Content.Contains("root cause", StringComparison.Ordinal) && m.Timestamp < sync.Timestamp);
        var tagging = questions.First(q => q.Content.Contains("tagging meeting notes", StringComparison.Ordinal));
        History.Messages.ShouldContain(m => m.Content.Contains("mtg/YYYY-MM-DD", StringComparison.Ordinal) && m.Timestamp < tagging.Timestamp);
    }

    [Fact]
    public void ExportTo_WritesFilesThatReadBackAsTheSameHistory()
    {
        var dir = Directory.CreateTempSubdirectory("promethean-demo-history-").FullName;
        var paths = DemoHistory.ExportTo(dir);

        paths.Select(Path.GetFileName).ShouldBe(["dev.json", "general.json", "ops.json"]);
        ChannelHistory.ReadExports(paths).Messages.ShouldBe(History.Messages);
    }

    [Fact]
    public void Resources_AreWhatTheGeneratorMakesOfTheScript()
    {
        var dir = Path.Combine(RepoRoot(), "src", "Promethean.Discord.Loopback", "History");
        var generated = DemoHistoryGenerator.Generate(File.ReadAllText(Path.Combine(dir, "day.script")));
        if (Environment.GetEnvironmentVariable("PROMETHEAN_REGENERATE_DEMO_HISTORY") == "1")
        {
            foreach (var (name, json) in generated)
                File.WriteAllText(Path.Combine(dir, name), json, new UTF8Encoding(false));
        }

        generated.Keys.Order(StringComparer.Ordinal).ShouldBe(DemoHistory.FileNames);
        foreach (var (name, json) in generated)
            Resource(name).ShouldBe(json, $"{name} is stale: regenerate with PROMETHEAN_REGENERATE_DEMO_HISTORY=1 (docs/discord.md)");
    }

    private static string Resource(string name)
    {
        using var stream = typeof(DemoHistory).Assembly.GetManifestResourceStream("Promethean.Discord.Loopback.History." + name)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Promethean.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root from " + Assembly.GetExecutingAssembly().Location);
    }

    [GeneratedRegex(@"^(@?duck\b|!remember\b)|\bduck,", RegexOptions.IgnoreCase)]
    private static partial Regex AddressesDuck();
}
