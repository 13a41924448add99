using System.Collections.Immutable;
using Promethean.Core.Components;
using Promethean.Core.Events;

namespace Promethean.Core.Systems;

/// <summary>
/// seed sys.route-events->sessions: delivers inbound events to the sessions whose hard subscriptions
/// match (event type, or Discord channel), into bounded queues; an idle session with work becomes ready.
/// </summary>
public static class RouteEventsSystem
{
    public const string AnyChannel = "*";

    public static World Update(World world, IStoreReader stores)
    {
        if (world.EventsIn.IsEmpty || world.Sessions.IsEmpty)
            return world;

        var sessions = world.Sessions.ToBuilder();
        var ready = new List<Event>();
        foreach (var (id, session) in world.Sessions)
        {
            var matched = world.EventsIn.Where(e => Matches(session.Subscriptions, e)).ToList();
            if (matched.Count == 0)
                continue;
            var next = Enqueue(session, matched);
            if (next.Status == SessionStatus.Idle)
            {
                next = next with { Status = SessionStatus.Ready };
                ready.Add(new CephalonSessionReady(id, session.Name));
            }
            sessions[id] = next;
        }
        return (world with { Sessions = sessions.ToImmutable() }).Emit(ready);
    }

    public static bool Matches(SessionSubscriptions subscriptions, Event e) => e switch
    {
        DiscordMessageNew m => subscriptions.Channels.Contains(m.ChannelId) || subscriptions.Channels.Contains(AnyChannel)
            || subscriptions.EventTypes.Contains(e.Type),
        _ => subscriptions.EventTypes.Contains(e.Type),
    };

    /// <summary>Appends to the queue, dropping the oldest entries past capacity and counting them.</summary>
    public static Session Enqueue(Session session, IReadOnlyList<Event> events)
    {
        var queue = session.Queue.AddRange(events);
        var overflow = Math.Max(0, queue.Length - session.QueueCapacity);
        return overflow == 0
            ? session with { Queue = queue }
            : session with { Queue = queue[overflow..], QueueDropped = session.QueueDropped + overflow };
    }
}
