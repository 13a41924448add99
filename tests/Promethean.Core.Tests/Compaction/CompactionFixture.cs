using System.Collections.Immutable;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Stores.Sqlite;

namespace Promethean.Core.Tests.Compaction;

/// <summary>
/// A tiny compaction world: messages ingested on <see cref="Day0"/> through the real schedule into an in-memory
/// store, embedded with fake vectors (a "backup" text points one way, anything else another), then time moves
/// ten days on so that day is old enough to compact.
/// </summary>
internal static class CompactionFixture
{
    public static readonly long Day0 = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    public static readonly long Later = Day0 + 10 * 24 * 3_600_000L;
    public const string Model = "all-MiniLM-L6-v2";

    public static readonly string[] BackupFacts =
    [
        "The nightly backup job runs at 03:00 UTC on nas01 #backup",
        "Backup retention is 30 days for the photo share #backup",
        "Restore tests of the backup happen every Monday #backup",
        "The backup key is kept in the vault under ops/backup #backup",
        "If the backup fails, Borg exits with code 2 #backup",
    ];

    public static readonly string[] Chatter =
    [
        "good morning everyone",
        "anyone up for lunch at noon",
        "I will be late to the standup today",
        "thanks, that helped a lot",
    ];

    public static World Settings(CompactionSettings? compaction = null) =>
        Settings(new MemorySettings { EmbedEidolon = false, Compaction = compaction ?? new CompactionSettings { MaxInFlight = 4 } });

    public static World Settings(MemorySettings settings)
    {
        var world = World.Empty.Spawn(out var id);
        return world with { MemorySettings = world.MemorySettings.Add(id, settings) };
    }

    public static DiscordMessageNew Message(string id, string text, long at, string channel = "42", string author = "7") =>
        new(id, channel, null, author, "ada", false, text, at);

    /// <summary>One tick through the whole schedule; store effects applied as the engine's commit would.</summary>
    public static World Step(SqliteStore store, World world, long time, params Event[] events)
    {
        var next = Schedule.Run(Schedule.BeginTick(world, time, [.. events]), store, Schedule.Systems);
        store.ApplyStoreEffects(next.Effects);
        return next;
    }

    /// <summary>Answers this tick's embedding effects and ticks until no embedding job is left.</summary>
    public static World DrainEmbeddings(SqliteStore store, World world)
    {
        for (var i = 0; i < 20 && world.Jobs.Values.Any(j => j.Type is Job.EmbedCanonical or Job.EmbedEidolon); i++)
            world = Step(store, world, world.TimeMs + 1000, [.. world.Effects.OfType<LlmEmbed>().Select(Answer)]);
        return world;
    }

    public static ImmutableArray<float> VectorOf(string text) =>
        text.Contains("backup", StringComparison.OrdinalIgnoreCase) ? [1f, 0.1f, 0f] : [0f, 1f, 0.2f];

    public static LlmEmbedResult Answer(LlmEmbed embed) =>
        new(embed.Id, embed.Model, [.. embed.Inputs.Select(VectorOf)]) { Meta = embed.Meta };

    public static LlmResponse Reply(LlmChat chat, string text) =>
        new(chat.Id, text, [], "stop", new LlmUsage(400, 60, false), 25, "summarizer-1", "builtin") { Meta = chat.Meta };

    /// <summary>Day 0 in channel 42: five backup facts (one cluster) and four lines of chatter (the leftover group); two messages in channel 43.</summary>
    public static World Seed(SqliteStore store, World world)
    {
        var events = new List<Event>();
        for (var i = 0; i < BackupFacts.Length; i++)
            events.Add(Message("b" + i, BackupFacts[i], Day0 + 3_600_000 + i * 60_000));
        for (var i = 0; i < Chatter.Length; i++)
            events.Add(Message("c" + i, Chatter[i], Day0 + 7_200_000 + i * 60_000));
        events.Add(Message("o1", "a quiet channel", Day0 + 1000, channel: "43"));
        events.Add(Message("o2", "still quiet here", Day0 + 2000, channel: "43"));
        world = Step(store, world, Day0 + 10_000_000, [.. events]);
        return DrainEmbeddings(store, world);
    }

    public static string IdOf(SqliteStore store, string messageId) => store.FindBySourceKey("discord:" + messageId)!.Id;
}
