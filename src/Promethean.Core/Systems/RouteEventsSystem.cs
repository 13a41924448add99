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
            if (!subs.Soft.IsEmpty)
            {
                foreach (var i in messages)
                {
                    if (!hits.Contains(i) && SoftScore(subs, TagsOf(i)) >= subs.SoftThreshold)
                        hits.Add(i);
                }
            }
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

    /// <summary>Sum of the weights of the soft predicates a message's tags or keys match.</summary>
    public static double SoftScore(SessionSubscriptions subscriptions, TagSet tags) =>
        subscriptions.Soft.Where(p => tags.Tags.Contains(p.Key) || tags.Keys.Contains(p.Key)).Sum(p => p.Value);

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
