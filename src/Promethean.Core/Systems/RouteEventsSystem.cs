using System.Collections.Immutable;
using Promethean.Core.Components;
using Promethean.Core.Events;
using Promethean.Core.Ingest;

namespace Promethean.Core.Systems;

/// <summary>
/// seed sys.route-events->sessions: delivers inbound events to the sessions whose hard subscriptions
/// match (event type, or Discord channel) or whose soft subscriptions (weighted tags and keys of a
/// message) reach their threshold, into bounded queues; an idle session with work becomes ready.
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

        // Tags for soft subscriptions, computed once per message and only when some session asks.
        var tagged = new Dictionary<int, TagSet>();
        var lexicon = world.MemoryConfig.Lexicon;
        TagSet TagsOf(int i)
        {
            if (!tagged.TryGetValue(i, out var set))
            {
                var m = (DiscordMessageNew)world.EventsIn[i];
                tagged[i] = set = Tagger.Tag(TextNormalizer.Normalize(m.Content), new TagContext("discord", m.ChannelId, m.AuthorId, m.AuthorIsBot), lexicon);
            }
            return set;
        }

        var sessions = world.Sessions.ToBuilder();
        var ready = new List<Event>();
        var lists = new List<List<int>>();
        foreach (var (id, session) in world.Sessions)
        {
            var subs = session.Subscriptions;
            lists.Clear();
            foreach (var type in subs.EventTypes)
            {
                if (byType.TryGetValue(type, out var list))
                    lists.Add(list);
            }
            if (subs.Channels.Contains(AnyChannel))
            {
                lists.Add(messages);
            }
            else
            {
                foreach (var channel in subs.Channels)
                {
                    if (byChannel.TryGetValue(channel, out var list))
                        lists.Add(list);
                }
            }
            if (!subs.Soft.IsEmpty)
            {
                var soft = messages.Where(i => SoftScore(subs, TagsOf(i)) >= subs.SoftThreshold).ToList();
                if (soft.Count > 0)
                    lists.Add(soft);
            }
            if (lists.Count == 0)
                continue;
            var next = Enqueue(session, Matched(world.EventsIn, lists));
            if (next.Status == SessionStatus.Idle)
            {
                next = next with { Status = SessionStatus.Ready };
                ready.Add(new CephalonSessionReady(id, session.Name));
            }
            sessions[id] = next;
        }
        return (world with { Sessions = sessions.ToImmutable() }).Emit(ready);
    }

    /// <summary>Sum of the weights of the soft predicates a message's tags or keys match.</summary>
    public static double SoftScore(SessionSubscriptions subscriptions, TagSet tags) =>
        subscriptions.Soft.Where(p => tags.Tags.Contains(p.Key) || tags.Keys.Contains(p.Key)).Sum(p => p.Value);

    /// <summary>The events at the positions in <paramref name="lists"/> (each ascending), once each, in inbound order.</summary>
    private static List<Event> Matched(ImmutableArray<Event> events, List<List<int>> lists)
    {
        IEnumerable<int> positions = lists[0];
        if (lists.Count > 1)
        {
            var all = new List<int>();
            foreach (var list in lists)
                all.AddRange(list);
            all.Sort();
            positions = all.Distinct();
        }
        var matched = new List<Event>(lists.Count == 1 ? lists[0].Count : 16);
        foreach (var i in positions)
            matched.Add(events[i]);
        return matched;
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
        var overflow = Math.Max(0, session.Queue.Length + events.Count - session.QueueCapacity);
        if (overflow == 0)
            return session with { Queue = session.Queue.AddRange(events) };
        // Only the newest QueueCapacity entries survive: copy those, not the whole backlog.
        var kept = ImmutableArray.CreateBuilder<Event>(session.Queue.Length + events.Count - overflow);
        for (var i = Math.Min(overflow, session.Queue.Length); i < session.Queue.Length; i++)
            kept.Add(session.Queue[i]);
        for (var i = Math.Max(0, overflow - session.Queue.Length); i < events.Count; i++)
            kept.Add(events[i]);
        return session with { Queue = kept.MoveToImmutable(), QueueDropped = session.QueueDropped + overflow };
    }
}
