using System.Text;
using Promethean.Runtime.Import;

namespace Promethean.Runtime.Tests;

public sealed class DiscordExportTests
{
    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Parse_ValidExport_GivesMessagesWithChannelAuthorAndTime()
    {
        var read = DiscordExport.Parse(Utf8("""
            {"guild":{"id":"1"},"channel":{"id":"42"},"messages":[
              {"id":"100","timestamp":"2026-11-20T10:00:00.5+00:00","content":"hi","author":{"id":"7","name":"ada","isBot":false}},
              {"id":"101","timestamp":"2026-11-20T10:01:00+00:00","content":"","author":{"id":"8","name":"bot","isBot":true},
               "attachments":[{"fileName":"graph.png"}],"embeds":[{"title":"Build green"}]}]}
            """), "x.json");
        read.Problems.ShouldBeEmpty();
        read.Messages.Count.ShouldBe(2);
        read.Messages[0].ChannelId.ShouldBe("42");
        read.Messages[0].GuildId.ShouldBe("1");
        read.Messages[0].TimestampMs.ShouldBe(new DateTimeOffset(2026, 11, 20, 10, 0, 0, 500, TimeSpan.Zero).ToUnixTimeMilliseconds());
        read.Messages[1].AuthorIsBot.ShouldBeTrue();
        read.Messages[1].Content.ShouldBe("[attachment] graph.png\n[embed] Build green");
    }

    [Theory]
    [InlineData("{\"messages\": [ {\"id\": ", "not a DiscordChatExporter JSON file")]
    [InlineData("[1, 2, 3]", "no \"messages\" array")]
    [InlineData("{\"messages\": []}", "no channel.id")]
    [InlineData("", "not a DiscordChatExporter JSON file")]
    public void Parse_MalformedExport_ReportsReasonWithoutThrowing(string json, string reason)
    {
        var read = DiscordExport.Parse(Utf8(json), "bad.json");
        read.Messages.ShouldBeEmpty();
        read.Problems.ShouldHaveSingleItem().ShouldContain(reason);
    }

    [Fact]
    public void Parse_InvalidUtf8AndBrokenMessages_KeepsTheRestAndSaysWhy()
    {
        var bytes = Utf8("""{"channel":{"id":"43"},"messages":[{"id":"1","timestamp":"2026-11-20T10:00:00Z","content":"caf_ ok","author":{"id":"7"}},{"id":"2"},7]}""");
        bytes[Array.IndexOf(bytes, (byte)'_')] = 0xFF;
        var read = DiscordExport.Parse(bytes, "u.json");
        read.Messages.ShouldHaveSingleItem().Content.ShouldBe("caf\uFFFD ok");
        read.Problems.Count.ShouldBe(3);
        read.Problems[0].ShouldContain("invalid UTF-8");
        read.Problems[1].ShouldContain("message #2 skipped");
    }

    [Fact]
    public void Parse_UnpairedSurrogateEscape_ReplacesItKeepsTheMessageAndTheRestOfTheFileAndSaysSo()
    {
        // Valid JSON, not valid UTF-16: System.Text.Json will not read "\ud800" as a string, which failed the whole file;
        // kept as is, it would not survive the journal's UTF-8 and replay would diverge.
        var read = DiscordExport.Parse(Utf8("""
            {"channel":{"id":"42"},"messages":[
              {"id":"1","timestamp":"2026-11-20T10:00:00Z","content":"half \ud800 a \"pair\"\n\u00e9\\ \/","author":{"id":"7","name":"n\udc00"}},
              {"id":"2","timestamp":"2026-11-20T10:00:01Z","content":"whole \ud83e\udd86","author":{"id":"8"}}]}
            """), "s.json");
        read.Problems.ShouldHaveSingleItem().ShouldContain("2 string(s) with unpaired UTF-16 surrogate escapes");
        read.Messages.Count.ShouldBe(2);
        read.Messages[0].Content.ShouldBe("half \ufffd a \"pair\"\n\u00e9\\ /");
        read.Messages[0].AuthorName.ShouldBe("n\ufffd");
        read.Messages[1].Content.ShouldBe("whole \ud83e\udd86");
    }

    [Fact]
    public void Parse_UnpairedSurrogateEscapeInTheChannelId_IsCountedToo()
    {
        var read = DiscordExport.Parse(Utf8("""
            {"channel":{"id":"4\udc002"},"messages":[{"id":"1","timestamp":"2026-11-20T10:00:00Z","content":"ok","author":{"id":"7"}}]}
            """), "c.json");
        read.Messages.ShouldHaveSingleItem().ChannelId.ShouldBe("4\ufffd2");
        read.Problems.ShouldHaveSingleItem().ShouldContain("1 string(s) with unpaired UTF-16 surrogate escapes");
    }
}
