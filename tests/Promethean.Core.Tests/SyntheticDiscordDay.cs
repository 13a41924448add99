using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Promethean.Core.Events;

namespace Promethean.Core.Tests;

/// <summary>What a synthetic message is, as its generator knows it.</summary>
public enum MessageLabel
{
    /// <summary>A message a person wrote once: must become a memory.</summary>
    Genuine,

    /// <summary>The same text posted again in the channel within minutes (a new message id).</summary>
    ExactDuplicate,

    /// <summary>A cosmetic re-post (case, punctuation, emoji, spacing) or one trailing word on a long message.</summary>
    NearDuplicate,

    /// <summary>The gateway delivering the same message id twice.</summary>
    Redelivery,

    /// <summary>A bot status line whose family has not passed the threshold in its hour: kept.</summary>
    SpamKept,

    /// <summary>A bot status line past the family threshold in its hour: must fold into the aggregate.</summary>
    SpamFolded,
}

/// <summary>A generated message and its ground truth.</summary>
public sealed record LabelledMessage(DiscordMessageNew Message, MessageLabel Label);

/// <summary>
/// A deterministic synthetic day of Discord traffic with ground truth, for dedupe quality tests and
/// benchmarks. How it is made (seeded <see cref="Random"/>, so every run is identical):
/// - 4 channels, 12 people, 3 bots; the day runs 08:00 to 08:00 UTC.
/// - Genuine messages: 6 to 40 words drawn from a 240-word technical vocabulary with occasional
///   code fences, URLs, hashtags and exception names; every genuine text is unique by construction
///   (a per-message serial word is mixed in), so no two genuine messages are duplicates of each other.
/// - Exact duplicates: 4% of genuine messages are re-posted verbatim 10 s to 8 min later, same channel.
/// - Near duplicates: 5% are re-posted 10 s to 8 min later with cosmetic changes (upper/lower case,
///   punctuation removed or doubled, an emoji appended, spacing changed) or, for texts of 30+ words,
///   one trailing word.
/// - Redeliveries: 3% of messages of any kind are delivered twice with the same message id.
/// - Bot spam: each bot posts one status pattern with varying numbers, ids and URLs every 3 to 7
///   minutes in its channel; per family and hour the first <c>threshold</c> are labelled kept, the
///   rest folded (the spec's rule, DESIGN 4).
/// </summary>
public static class SyntheticDiscordDay
{
    public static readonly string[] Channels = ["800000000000000001", "800000000000000002", "800000000000000003", "800000000000000004"];

    private static readonly string[] Vocabulary =
    ("build deploy cache index vector memory journal replay tick world system effect event queue session cephalon sentinel " +
     "frontmatter note vault sync daemon lock token budget model prompt context window embedding search keyword graph nexus " +
     "walker daimoi spam family bucket channel thread reply mention bot gateway heartbeat resume identify shard snowflake " +
     "sqlite wal snapshot compaction summary tombstone outbox retry backoff timeout latency throughput benchmark profile " +
     "allocation garbage collector span array dictionary immutable record struct interface generic async await task " +
     "scheduler fairness deficit round robin circuit survival mythic symbolic janitor report metrics trace exporter " +
     "inspector page browser socket frame fragment payload header route bucket limit header reset global ban retry " +
     "parser validator contract schema kebab slug title description tags timestamp utc offset locale culture invariant " +
     "hash digest sha simhash hamming shingle trigram window dedupe duplicate pattern mask emoji url number id " +
     "laptop desktop server cluster node container image registry package version pin restore analyzer warning error " +
     "test property shrink seed generator sample fixture assert should equal contain throw fail pass flaky ci " +
     "yesterday today tomorrow morning evening night week sprint release milestone issue ticket review merge branch " +
     "idea question answer help please thanks maybe really actually probably definitely weird broken fixed slow fast " +
     "python csharp rust typescript bash sql json yaml markdown regex unicode utf8 normalization whitespace newline")
        .Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static readonly string[] Exceptions = ["System.IO.IOException", "NullReferenceException", "TimeoutException", "KeyError", "SqliteException"];
    private static readonly string[] Emoji = ["🎉", "😭", "👍", "🔥", "🙏"];
    private static readonly string[] Trailing = ["again", "pls", "today", "honestly", "btw"];

    private static readonly (string Id, string Name, string Channel, string Template)[] Bots =
    [
        ("700000000000000001", "ci-bot", Channels[0], "Build #{0} finished in {1}m {2}s on runner {3}: {4}"),
        ("700000000000000002", "statusbot", Channels[1], "Reminder: the embedding backlog is at {0} items ({1} deferred), next check in {2} min"),
        ("700000000000000003", "feedbot", Channels[2], "New post by <@{5}>: https://blog.example.org/p/{0} ({1} comments) {6}"),
    ];

    public static IReadOnlyList<LabelledMessage> Generate(int seed = 20261124, int genuinePerChannelHour = 30, int spamThreshold = 3)
    {
        var random = new Random(seed);
        var start = new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var list = new List<LabelledMessage>();
        long nextId = 900000000000000000;
        var serial = 0;
        string NewId() => (nextId++).ToString(CultureInfo.InvariantCulture);

        for (var hour = 0; hour < 24; hour++)
        {
            foreach (var channel in Channels)
            {
                for (var i = 0; i < genuinePerChannelHour; i++)
                {
                    var ts = start + hour * 3_600_000L + random.NextInt64(3_600_000L);
                    var author = random.Next(12);
                    var text = GenuineText(random, serial++);
                    var genuine = Message(NewId(), channel, author, text, ts);
                    list.Add(new LabelledMessage(genuine, MessageLabel.Genuine));
                    var roll = random.NextDouble();
                    if (roll < 0.04)
                    {
                        list.Add(new LabelledMessage(genuine with { MessageId = NewId(), TimestampMs = ts + 10_000 + random.NextInt64(470_000) }, MessageLabel.ExactDuplicate));
                    }
                    else if (roll < 0.09)
                    {
                        var variant = Variant(random, text);
                        if (variant != text)
                            list.Add(new LabelledMessage(genuine with { MessageId = NewId(), Content = variant, TimestampMs = ts + 10_000 + random.NextInt64(470_000) }, MessageLabel.NearDuplicate));
                    }
                }
            }
        }

        foreach (var (botId, botName, channel, template) in Bots)
        {
            var ts = start + random.NextInt64(300_000);
            var perHour = new Dictionary<long, int>();
            while (ts < start + 24 * 3_600_000L)
            {
                var text = string.Format(CultureInfo.InvariantCulture, template, random.Next(1000, 99999), random.Next(1, 59), random.Next(1, 59),
                    random.Next(1, 12), random.Next(2) == 0 ? "success" : "success ✅", random.NextInt64(100000000000000000, 999999999999999999),
                    Emoji[random.Next(Emoji.Length)]);
                var bucket = ts / 3_600_000L;
                var n = perHour[bucket] = perHour.GetValueOrDefault(bucket) + 1;
                list.Add(new LabelledMessage(new DiscordMessageNew(NewId(), channel, "900000000000000001", botId, botName, true, text, ts),
                    n <= spamThreshold ? MessageLabel.SpamKept : MessageLabel.SpamFolded));
                ts += 180_000 + random.NextInt64(240_000);
            }
        }

        var ordered = list.OrderBy(m => m.Message.TimestampMs).ThenBy(m => m.Message.MessageId, StringComparer.Ordinal).ToList();
        var withRedeliveries = new List<LabelledMessage>(ordered.Count + ordered.Count / 20);
        foreach (var m in ordered)
        {
            withRedeliveries.Add(m);
            if (random.NextDouble() < 0.03)
                withRedeliveries.Add(new LabelledMessage(m.Message, MessageLabel.Redelivery));
        }
        return withRedeliveries;
    }

    /// <summary>Messages grouped into one tick per minute of source time, as a gateway would deliver them.</summary>
    public static IEnumerable<(long TimeMs, ImmutableArray<Event> Events)> Ticks(IReadOnlyList<LabelledMessage> day)
    {
        foreach (var group in day.GroupBy(m => m.Message.TimestampMs / 60_000))
            yield return (group.Max(m => m.Message.TimestampMs), [.. group.Select(m => (Event)m.Message)]);
    }

    private static DiscordMessageNew Message(string id, string channel, int author, string text, long ts) =>
        new(id, channel, "900000000000000001", (600000000000000000 + author).ToString(CultureInfo.InvariantCulture), "user" + author, false, text, ts);

    private static string GenuineText(Random random, int serial)
    {
        var words = random.Next(6, 41);
        var sb = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            if (i > 0)
                sb.Append(' ');
            sb.Append(i == words / 2 ? Serial(serial) : Vocabulary[random.Next(Vocabulary.Length)]);
        }
        sb[0] = char.ToUpperInvariant(sb[0]);
        sb.Append(random.Next(4) == 0 ? '?' : '.');
        switch (random.Next(12))
        {
            case 0:
                sb.Append(" Got ").Append(Exceptions[random.Next(Exceptions.Length)]).Append(" again.");
                break;
            case 1:
                sb.Append("\n```python\nprint('").Append(Vocabulary[random.Next(Vocabulary.Length)]).Append("')\n```");
                break;
            case 2:
                sb.Append(" see https://docs.example.org/").Append(Vocabulary[random.Next(Vocabulary.Length)]);
                break;
            case 3:
                sb.Append(" #").Append(Vocabulary[random.Next(Vocabulary.Length)]);
                break;
        }
        return sb.ToString();
    }

    /// <summary>A pronounceable word unique to the message, so genuine texts never collide.</summary>
    private static string Serial(int n)
    {
        const string consonants = "bdfgklmnprstvz";
        const string vowels = "aeiou";
        var sb = new StringBuilder("q");
        do
        {
            sb.Append(consonants[n % consonants.Length]);
            n /= consonants.Length;
            sb.Append(vowels[n % vowels.Length]);
            n /= vowels.Length;
        }
        while (n > 0);
        return sb.ToString();
    }

    private static string Variant(Random random, string text) => random.Next(6) switch
    {
        0 => text.ToUpperInvariant(),
        1 => text.ToLowerInvariant(),
        2 => text.Replace(".", "", StringComparison.Ordinal).Replace("?", "", StringComparison.Ordinal) + "!!",
        3 => text + " " + Emoji[random.Next(Emoji.Length)],
        4 => "  " + text.Replace(" ", "   ", StringComparison.Ordinal) + "\n",
        _ => text.Split(' ').Length >= 30 ? text + " " + Trailing[random.Next(Trailing.Length)] : text + " " + Emoji[random.Next(Emoji.Length)],
    };
}
