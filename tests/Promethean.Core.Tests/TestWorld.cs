using System.Collections.Immutable;
using Promethean.Core.Components;

namespace Promethean.Core.Tests;

/// <summary>Tiny worlds for system tests.</summary>
internal static class TestWorld
{
    public static World WithSession(string name, out EntityId id, IEnumerable<string>? channels = null, IEnumerable<string>? eventTypes = null, int capacity = 256) =>
        WithSession(World.Empty, name, out id, channels, eventTypes, capacity);

    /// <summary><paramref name="world"/> with one more session, of a cephalon of its own.</summary>
    public static World WithSession(World world, string name, out EntityId id, IEnumerable<string>? channels = null, IEnumerable<string>? eventTypes = null, int capacity = 256)
    {
        world = world.Spawn(out var cephalon).Spawn(out id);
        var session = new Session(name, cephalon, "c1-survival",
            new SessionSubscriptions([.. eventTypes ?? []], [.. channels ?? []]),
            [], [], [], "", new SessionBudgets(), SessionStatus.Idle) { QueueCapacity = capacity };
        return world with
        {
            Sessions = world.Sessions.Add(id, session),
            Cephalons = world.Cephalons.Add(cephalon, new Cephalon("Duck", new CephalonPolicy("builtin"), ImmutableSortedDictionary<string, string>.Empty, [id])),
        };
    }

    public static World Tick(World world, long timeMs, params Events.Event[] events) =>
        Schedule.BeginTick(world, timeMs, [.. events]);
}
