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

        // Index the events once by type and by channel, so routing costs O(events + sessions x subscriptions).
        var byType = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var byChannel = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var messages = new List<int>();
        for (var i = 0; i < world.EventsIn.Length; i++)
        {
            var e = world.EventsIn[i];
            Index(byType, e.Type, i);
            if (e is DiscordMessageNew m)
            {
                Index(byChannel, m.ChannelId, i);
                messages.Add(i);
            }
        }

        var sessions = world.Sessions.ToBuilder();
        var ready = new List<Event>();
        foreach (var (id, session) in world.Sessions)
        {
            var subs = session.Subscriptions;
            var hits = new SortedSet<int>();
            foreach (var type in subs.EventTypes)
                hits.UnionWith(byType.GetValueOrDefault(type) ?? []);
            if (subs.Channels.Contains(AnyChannel))
                hits.UnionWith(messages);
            else
                foreach (var channel in subs.Channels)
                    hits.UnionWith(byChannel.GetValueOrDefault(channel) ?? []);
            if (hits.Count == 0)
                continue;
            var matched = hits.Select(i => world.EventsIn[i]).ToList();
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

    private static void Index(Dictionary<string, List<int>> index, string key, int position)
    {
        if (!index.TryGetValue(key, out var list))
            index[key] = list = [];
        list.Add(position);
    }

    /// <summary>Whether a session's hard subscriptions take an event (the rule the index above implements).</summary>
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
