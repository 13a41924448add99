using System.Collections.Immutable;
using System.Globalization;
using Promethean.Core.Events;
using Promethean.Runtime;

namespace Promethean.Runtime.Tests;

/// <summary>
/// A deterministic day of Discord traffic for the lockstep tests: three channels, people and a
/// bot, with the gateway's re-deliveries (same message id twice) that ingest must drop.
/// </summary>
public static class DemoScript
{
    private static readonly string[] Channels = ["100000000000000001", "100000000000000002", "100000000000000003"];

    private static readonly (string Id, string Name, bool Bot)[] Authors =
    [
        ("200000000000000001", "ada", false), ("200000000000000002", "brian", false),
        ("200000000000000003", "chen", false), ("200000000000000004", "statusbot", true),
    ];

    private static readonly string[] Lines =
    [
        "Has anyone tried the new build of the notes sync? It keeps failing on my laptop.",
        "I get System.IO.IOException: The process cannot access the file when the vault is open in two editors.",
        "We should tag every meeting note with the project slug, otherwise search is useless.",
        "Deploy finished in 4m 12s, all checks green.",
        "Reminder: the embedding job backlog is at {0} items.",
        "Can the agent summarize yesterday's thread about context budgets?",
        "```python\nprint('hello from the notes vault')\n```",
        "Check https://example.org/docs/ecs for the ECS write-up #architecture",
        "Why did the bot answer twice last night? I think two daemons were running.",
        "Tokens per minute budget hit for the planner session again.",
    ];

    public static IEnumerable<ScriptLine> Generate(int ticks = 120, int seed = 7)
    {
        var random = new Random(seed);
        var start = new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        long nextMessage = 300000000000000000;
        DiscordMessageNew? last = null;
        for (var t = 0; t < ticks; t++)
        {
            var time = start + t * 60_000L;
            var events = ImmutableArray.CreateBuilder<Event>();
            var count = random.Next(1, 6);
            for (var i = 0; i < count; i++)
            {
                var author = Authors[random.Next(Authors.Length)];
                var text = string.Format(CultureInfo.InvariantCulture, Lines[random.Next(Lines.Length)], random.Next(10, 500));
                var message = new DiscordMessageNew(
                    (nextMessage++).ToString(CultureInfo.InvariantCulture), Channels[random.Next(Channels.Length)], "900000000000000001",
                    author.Id, author.Name, author.Bot, text, time + i * 1000L);
                events.Add(message);
                last = message;
            }
            if (last is not null && random.NextDouble() < 0.15)
                events.Add(last);
            yield return new ScriptLine(time, events.ToImmutable());
        }
    }
}
