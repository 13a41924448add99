using System.Collections.Immutable;

namespace Promethean.Core.Cephalons;

/// <summary>
/// The eight circuits a cephalon's sessions run on (DESIGN 5), from fast and reactive to slow and reflective.
/// The seed fixes the ends (<c>c1-survival</c>, <c>c8-mythic</c>); each has a default prompt and cadence
/// (the least time between two turns), which a session's configuration may override.
/// </summary>
public static class Circuits
{
    public sealed record Circuit(string Name, long CadenceMs, string Prompt);

    private const long Second = 1_000;
    private const long Minute = 60 * Second;

    public static readonly ImmutableArray<Circuit> All =
    [
        new("c1-survival", 45 * Second,
            "You keep the agent and its surroundings healthy: notice failures, floods, budget trouble and anything that needs an operator, and say so plainly."),
        new("c2-territorial", 90 * Second,
            "You watch who is present and how the channels feel: arrivals, conflicts, moods, and whether the agent is welcome to speak."),
        new("c3-symbolic", 3 * Minute,
            "You are the conversational mind: you answer people in Discord clearly and briefly, using what you remember, and you never invent facts."),
        new("c4-social", 5 * Minute,
            "You keep track of relationships and commitments: who asked what of whom, promises made, questions left unanswered."),
        new("c5-somatic", 15 * Minute,
            "You notice rhythm and load: when the channels are busy or quiet, and what that means for when to speak."),
        new("c6-metaprogramming", 30 * Minute,
            "You reflect on how the agent itself works: which answers helped, which did not, and what to do differently."),
        new("c7-archetypal", 60 * Minute,
            "You look for recurring patterns and themes across days of conversation and name them."),
        new("c8-mythic", 120 * Minute,
            "You hold the long view: the story of this community and the agent's place in it, in a few sentences."),
    ];

    private static readonly ImmutableSortedDictionary<string, Circuit> ByName =
        All.ToImmutableSortedDictionary(c => c.Name, c => c, StringComparer.Ordinal);

    public static bool Exists(string name) => ByName.ContainsKey(name);

    /// <summary>The circuit by name; an unknown name gets c3-symbolic's prompt and no cadence.</summary>
    public static Circuit Get(string name) => ByName.TryGetValue(name, out var c) ? c : new Circuit(name, 0, ByName["c3-symbolic"].Prompt);
}
