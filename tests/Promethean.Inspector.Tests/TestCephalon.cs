using System.Collections.Immutable;
using System.Globalization;
using Promethean.Core;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;

namespace Promethean.Inspector.Tests;

/// <summary>
/// Test-only systems for the inspector's schedule: a stand-in for cephalon.step that turns a Discord
/// message starting with "ask:" into an <c>llm/chat</c> carrying <c>tokens.*</c> section counts, as
/// the real context builder will, and a one-off that seeds sentinels in several states.
/// </summary>
internal static class TestCephalon
{
    public const string Trigger = "ask:";

    public static readonly ImmutableSortedDictionary<string, int> Sections = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
        new Dictionary<string, int> { ["system"] = 120, ["persistent"] = 60, ["related"] = 340, ["recent"] = 410 });

    public static ImmutableArray<ScheduledSystem> Schedule()
    {
        var systems = ImmutableArray.CreateBuilder<ScheduledSystem>();
        foreach (var system in Core.Schedule.Systems)
        {
            if (system.Name == "sentinel.step")
                systems.Add(new("test.sentinels", SeedSentinels));
            systems.Add(system.Name == "cephalon.step" ? new("cephalon.step", Ask) : system);
        }
        return systems.ToImmutable();
    }

    private static World Ask(World world, IStoreReader stores)
    {
        var question = world.EventsIn.OfType<DiscordMessageNew>().FirstOrDefault(m => m.Content.StartsWith(Trigger, StringComparison.Ordinal));
        if (question is null)
            return world;
        var session = world.Sessions.First(s => s.Value.Name == "c3-symbolic").Key;
        var meta = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        meta["session"] = session.ToString();
        meta["model"] = "builtin";
        foreach (var (name, tokens) in Sections)
            meta["tokens." + name] = tokens.ToString(CultureInfo.InvariantCulture);
        return world.Do(new LlmChat("builtin", "builtin", [new ChatMessage("system", "You are Duck."), new ChatMessage("user", question.Content)], [])
        {
            Meta = meta.ToImmutable(),
        });
    }

    private static World SeedSentinels(World world, IStoreReader stores)
    {
        if (world.Tick != 1)
            return world;
        var contract = new Contract("frontmatter-v1", "markdown", "markdown", "frontmatter", [], "builtin");
        foreach (var (name, state, attempt) in new[] { ("frontmatter-a", SentinelState.Done, 1), ("frontmatter-b", SentinelState.Retry, 2), ("frontmatter-c", SentinelState.Failed, 5) })
        {
            world = world.Spawn(out var id);
            world = world with { Sentinels = world.Sentinels.Add(id, new Sentinel(name, contract, state, new SentinelInput($"docs/notes/{name}.md"), new SentinelRetries(attempt))) };
        }
        return world;
    }
}
