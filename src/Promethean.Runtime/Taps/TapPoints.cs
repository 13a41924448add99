using System.Collections.Immutable;
using Promethean.Core;
using Promethean.Core.Effects;
using Promethean.Core.Events;

namespace Promethean.Runtime.Taps;

/// <summary>
/// The seed's five tap points and the system each follows: after routing, after memory ingest,
/// after cephalon context build (the <c>llm/chat</c> effects it emitted), after LLM response (the
/// <c>llm/response</c> events cephalon.step consumed) and after tool execution (<c>tool/result</c>
/// events). All but after-routing fire only on ticks that have something to show.
/// </summary>
public static class TapPoints
{
    public const string AfterRouting = "after-routing";
    public const string AfterMemoryIngest = "after-memory-ingest";
    public const string AfterContextBuild = "after-context-build";
    public const string AfterLlmResponse = "after-llm-response";
    public const string AfterToolExecution = "after-tool-execution";

    /// <summary>Most events and effects a tap point carries; the rest are only counted.</summary>
    public const int MaxItems = 32;

    public static readonly ImmutableArray<string> All =
        [AfterRouting, AfterMemoryIngest, AfterContextBuild, AfterLlmResponse, AfterToolExecution];

    /// <summary>The tap points that follow <paramref name="system"/>, given the world before and after it.</summary>
    public static IEnumerable<TapPoint> After(string system, World before, World after)
    {
        switch (system)
        {
            case "route-events->sessions":
                yield return Point(AfterRouting, system, after, after.EventsThisTick.ToList(), NewEffects(before, after));
                break;
            case "memory.ingest":
                var ingested = NewEvents(before, after);
                var stored = NewEffects(before, after);
                if (ingested.Count + stored.Count > 0)
                    yield return Point(AfterMemoryIngest, system, after, ingested, stored);
                break;
            case "cephalon.step":
                List<Effect> chats = [.. NewEffects(before, after).OfType<LlmChat>()];
                if (chats.Count > 0)
                    yield return Point(AfterContextBuild, system, after, NewEvents(before, after), chats);
                var responses = after.EventsIn.OfType<LlmResponse>().Cast<Event>().ToList();
                if (responses.Count > 0)
                    yield return Point(AfterLlmResponse, system, after, responses, NewEffects(before, after));
                var tools = after.EventsThisTick.Where(e => e is ToolResult or ToolCalled).ToList();
                if (tools.Count > 0)
                    yield return Point(AfterToolExecution, system, after, tools, []);
                break;
        }
    }

    private static List<Event> NewEvents(World before, World after) =>
        after.EventsOut.Length > before.EventsOut.Length ? [.. after.EventsOut.Skip(before.EventsOut.Length)] : [];

    private static List<Effect> NewEffects(World before, World after) =>
        after.Effects.Length > before.Effects.Length ? [.. after.Effects.Skip(before.Effects.Length)] : [];

    private static TapPoint Point(string name, string system, World world, List<Event> events, List<Effect> effects) =>
        new(name, system, world.Tick, world,
            [.. events.Skip(Math.Max(0, events.Count - MaxItems))],
            [.. effects.Skip(Math.Max(0, effects.Count - MaxItems))],
            events.Count, effects.Count);
}
