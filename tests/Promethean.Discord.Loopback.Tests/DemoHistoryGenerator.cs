using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Promethean.Discord.Loopback.Tests;

/// <summary>
/// Turns the hand-written demo day (<c>History/day.script</c>) into the DiscordChatExporter files embedded in
/// Promethean.Discord.Loopback: seconds and snowflake ids from a fixed seed, plus the status bots' templated lines
/// (build results, deploys, and the alert burst of the 15:10 incident). Same script and seed, same bytes.
/// </summary>
internal static class DemoHistoryGenerator
{
    public const int Seed = 20260310;
    private const int BotOrder = 1_000_000;
    private const string GuildId = "905000000000000001";
    private static readonly DateTimeOffset Day = new(2026, 3, 10, 0, 0, 0, TimeSpan.Zero);

    private static readonly (string Name, string Id, string Topic)[] Channels =
    [
        ("general", "905000000000000011", "team chatter, standups, decisions"),
        ("dev", "905000000000000012", "engineering: code, reviews, tests"),
        ("ops", "905000000000000013", "deploys, incidents, infrastructure"),
    ];

    private static readonly Dictionary<string, (string Id, bool Bot)> Authors = new(StringComparer.Ordinal)
    {
        ["grace"] = ("905100000000000001", false),
        ["ken"] = ("905100000000000002", false),
        ["ada"] = ("905100000000000003", false),
        ["linus"] = ("905100000000000004", false),
        ["margaret"] = ("905100000000000005", false),
        ["tom"] = ("905100000000000006", false),
        ["ci-bot"] = ("905200000000000001", true),
        ["pagerbot"] = ("905200000000000002", true),
    };

    private sealed record Line(string Id, string Channel, string Author, string Content, DateTimeOffset At);

    /// <summary>File name (e.g. <c>general.json</c>) to its JSON.</summary>
    public static IReadOnlyDictionary<string, string> Generate(string script)
    {
        var random = new Random(Seed);
        var human = Parse(script, random);
        var timeline = human.Concat(Bots(random)).OrderBy(e => e.At).ThenBy(e => e.Order).ToList();
        var increment = 0;
        var lastOf = new Dictionary<string, Line>(StringComparer.Ordinal);
        var files = Channels.ToDictionary(c => c.Name, _ => new List<Line>(), StringComparer.Ordinal);
        foreach (var entry in timeline)
        {
            if (entry.Redeliver)
            {
                files[entry.Channel].Add(lastOf[entry.Channel]);
                continue;
            }
            var id = LoopbackPayloads.Snowflake(entry.At, 1, increment++).ToString(CultureInfo.InvariantCulture);
            var line = new Line(id, entry.Channel, entry.Author, entry.Content, entry.At);
            if (entry.Order < BotOrder)
                lastOf[entry.Channel] = line; // "~" re-delivers what a person wrote, not a bot line that slipped in between
            files[entry.Channel].Add(line);
        }
        return Channels.ToDictionary(c => c.Name + ".json", c => Export(c, files[c.Name]), StringComparer.Ordinal);
    }

    private sealed record Entry(DateTimeOffset At, int Order, string Channel, string Author, string Content, bool Redeliver);

    private static List<Entry> Parse(string script, Random random)
    {
        var entries = new List<Entry>();
        var previous = Day;
        foreach (var raw in script.Split('\n'))
        {
            var text = raw.TrimEnd('\r');
            if (text.Length == 0 || text.StartsWith('#'))
                continue;
            var parts = text.Split(' ', 3);
            var minute = Day + TimeSpan.ParseExact(parts[0], @"hh\:mm", CultureInfo.InvariantCulture);
            var at = minute + TimeSpan.FromSeconds(random.Next(0, 50)) + TimeSpan.FromMilliseconds(random.Next(0, 1000));
            if (at <= previous)
                at = previous + TimeSpan.FromSeconds(random.Next(2, 9));
            previous = at;
            if (parts[2] == "~")
            {
                entries.Add(new Entry(at, entries.Count, parts[1], "", "", true));
                continue;
            }
            var colon = parts[2].IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0 || !Authors.ContainsKey(parts[2][..colon]))
                throw new FormatException($"day.script: cannot read '{text}'");
            entries.Add(new Entry(at, entries.Count, parts[1], parts[2][..colon], parts[2][(colon + 2)..].Replace("\\n", "\n", StringComparison.Ordinal), false));
        }
        return entries;
    }

    /// <summary>The status bots: a build result every 4-8 minutes, deploys at fixed times, and pagerbot's alert every 30 s during the incident.</summary>
    private static IEnumerable<Entry> Bots(Random random)
    {
        const int order = BotOrder;
        var build = 2841;
        for (var at = Day.AddHours(8).AddMinutes(30); at < Day.AddHours(19).AddMinutes(30); at += TimeSpan.FromMinutes(random.Next(4, 9)))
        {
            var stamp = at + TimeSpan.FromSeconds(random.Next(0, 60));
            var sha = Sha(random);
            var content = stamp < Day.AddHours(16) && random.Next(0, 8) == 0
                ? $"❌ build #{build} failed on main: SyncMergeTests.ConcurrentRename (quillpad-api, {sha})"
                : $"✅ build #{build} passed on main in {random.Next(3, 6)}m{random.Next(0, 60):00}s (quillpad-api, {sha})";
            build++;
            yield return new Entry(stamp, order + build, "ops", "ci-bot", content, false);
        }
        (string Time, string Env, int Pods)[] deploys = [("09:05", "staging", 2), ("10:40", "staging", 2), ("12:50", "staging", 2), ("14:10", "staging", 2), ("15:05", "prod", 6), ("17:10", "staging", 2), ("18:40", "staging", 2)];
        foreach (var (time, env, pods) in deploys)
        {
            var stamp = Day + TimeSpan.ParseExact(time, @"hh\:mm", CultureInfo.InvariantCulture) + TimeSpan.FromSeconds(random.Next(0, 60));
            yield return new Entry(stamp, order + 10_000, "ops", "ci-bot", $"🚀 deployed quillpad-api {Sha(random)} to {env} ({pods} pods)", false);
        }
        for (var at = Day.AddHours(15).AddMinutes(9).AddSeconds(30); at < Day.AddHours(15).AddMinutes(32); at += TimeSpan.FromSeconds(30))
        {
            var rate = at < Day.AddHours(15).AddMinutes(26) ? 18 + random.NextDouble() * 20 : 2 + random.NextDouble() * 6;
            yield return new Entry(at, order + 20_000, "ops", "pagerbot",
                string.Create(CultureInfo.InvariantCulture, $"[ALERT] quillpad-api 5xx rate {rate:0.0}% > 2% on api-prod (pod api-{random.Next(1, 7)})"), false);
        }
        yield return new Entry(Day.AddHours(15).AddMinutes(32).AddSeconds(40), order + 20_000, "ops", "pagerbot", "[RESOLVED] quillpad-api 5xx rate back under 2% on api-prod", false);
    }

    private static string Sha(Random random) => random.Next(0x10000000, int.MaxValue).ToString("x8", CultureInfo.InvariantCulture);

    private static string Export((string Name, string Id, string Topic) channel, List<Line> lines)
    {
        var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, options))
        {
            w.WriteStartObject();
            w.WriteStartObject("guild");
            w.WriteString("id", GuildId);
            w.WriteString("name", "quillpad");
            w.WriteString("iconUrl", "");
            w.WriteEndObject();
            w.WriteStartObject("channel");
            w.WriteString("id", channel.Id);
            w.WriteString("type", "GuildTextChat");
            w.WriteString("category", "Text Channels");
            w.WriteString("name", channel.Name);
            w.WriteString("topic", channel.Topic);
            w.WriteEndObject();
            w.WriteString("exportedAt", Timestamp(Day.AddHours(20)));
            w.WriteStartArray("messages");
            foreach (var line in lines)
            {
                var (authorId, bot) = Authors[line.Author];
                w.WriteStartObject();
                w.WriteString("id", line.Id);
                w.WriteString("type", "Default");
                w.WriteString("timestamp", Timestamp(line.At));
                w.WriteNull("timestampEdited");
                w.WriteBoolean("isPinned", false);
                w.WriteString("content", line.Content);
                w.WriteStartObject("author");
                w.WriteString("id", authorId);
                w.WriteString("name", line.Author);
                w.WriteString("discriminator", "0000");
                w.WriteString("nickname", line.Author);
                w.WriteBoolean("isBot", bot);
                w.WriteEndObject();
                w.WriteStartArray("attachments");
                w.WriteEndArray();
                w.WriteStartArray("embeds");
                w.WriteEndArray();
                w.WriteStartArray("reactions");
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("messageCount", lines.Count);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static string Timestamp(DateTimeOffset at) => at.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+00:00'", CultureInfo.InvariantCulture);
}
