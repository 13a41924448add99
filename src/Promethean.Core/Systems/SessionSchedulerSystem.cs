using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;

namespace Promethean.Core.Systems;

/// <summary>
/// seed sys.session.scheduler: weighted fair sharing of each cephalon's LLM slots among its sessions by virtual time
/// (start-time fair queueing, as in stride scheduling or Linux CFS). Each tick it settles finished calls, then, per
/// cephalon, fills the free slots (policy cap minus calls in flight) from the sessions that are ready, have work, have
/// nothing in flight and have budget left. A session belongs to the cephalon it names (<see cref="Session.Cephalon"/>),
/// the one whose policy cephalon.step uses for its calls. A session's pass is the virtual time its last turn ended; its next turn
/// starts there, or at the cephalon's virtual time (the start of the latest turn granted) less <see cref="MaxLag"/>
/// when it fell further behind. The earliest start is granted, and its pass moves on by a turn of its weight
/// (<see cref="VirtualTurn"/> / weight). A session that cannot take a turn (its call in flight, its cadence, its
/// budget) keeps its pass, so it is first in line once it can: shares follow the weights, and a session that cannot
/// use its share gets all it can use while the others share the rest by weight. Grants are
/// <c>session/turn.granted</c> events for cephalon.step, which reserves the tokens it will spend.
/// </summary>
public static class SessionSchedulerSystem
{
    /// <summary>Fewest tokens a turn is worth (a short prompt and answer); a session with less budget left is not visited.</summary>
    public const int MinimumTurnTokens = 64;

    /// <summary>
    /// A turn of a weight-1 session in virtual time; a turn of weight w is this over w. Divisible by every weight
    /// up to 16, so their strides are exact (a larger weight's is rounded down, by less than a millionth).
    /// </summary>
    public const long VirtualTurn = 720_720;

    /// <summary>
    /// How far a session may fall behind the cephalon's virtual time: one weight-1 turn. Enough for a session whose
    /// call is in flight to keep its place, little enough that one held back for long (idle, out of budget, blocked)
    /// or new comes back first in line but catches up by that much and no more.
    /// </summary>
    public const long MaxLag = VirtualTurn;

    /// <summary>A turn of a session of <paramref name="weight"/> in virtual time.</summary>
    public static long Stride(int weight) => VirtualTurn / Math.Max(1, weight);

    public static World Update(World world, IStoreReader stores)
    {
        var ledgers = world.Ledgers.ToBuilder();
        Settle(world.EventsIn, ledgers);

        // One walk over the sessions and their ledgers side by side (with a thousand sessions, a lookup per session
        // was most of the tick) gathers each cephalon's calls in flight, virtual time and waiting sessions, and the
        // sessions that need a cadence wake; the cephalons are few, so each session finds its own by a short search.
        var cephalons = new Line[world.Cephalons.Count];
        var c = 0;
        foreach (var (id, cephalon) in world.Cephalons)
            cephalons[c++] = new Line(id, cephalon.Policy.MaxLlmCallsInFlight);
        var waiting = new List<Candidate>(world.Sessions.Count);
        var started = new List<EntityId>();
        var wakes = new List<(EntityId Id, Session Session)>();
        using (var stored = ledgers.GetEnumerator())
        {
            var more = stored.MoveNext();
            var hint = 0;
            foreach (var (id, session) in world.Sessions)
            {
                while (more && stored.Current.Key < id)
                    more = stored.MoveNext();
                SessionLedger ledger;
                if (more && stored.Current.Key == id)
                    ledger = stored.Current.Value;
                else
                {
                    ledger = SessionLedger.Start(1);
                    started.Add(id);
                }
                if (NeedsWake(session, world.TimeMs))
                    wakes.Add((id, session));
                hint = LineOf(cephalons, session.Cephalon, hint);
                if (hint < 0)
                {
                    hint = 0;
                    continue;
                }
                ref var line = ref cephalons[hint];
                // Pass - stride < Pass: only a pass above the time so far can raise it (and is worth the division).
                if (ledger.Pass > line.VirtualTime)
                    line.VirtualTime = Math.Max(line.VirtualTime, ledger.Pass - Stride(ledger.Weight));
                if (ledger.InFlightEffect is not null)
                    line.InFlight++;
                else if (IsWaiting(session, world.TimeMs))
                {
                    line.First = Math.Min(line.First, waiting.Count);
                    line.Last = waiting.Count;
                    waiting.Add(new Candidate(id, session, ledger, hint));
                }
            }
        }
        foreach (var id in started)
            ledgers[id] = SessionLedger.Start(1);

        var grants = new List<Event>();
        var visit = world.Tick * 1_000_000;
        for (c = 0; c < cephalons.Length; c++)
            FillSlots(ref cephalons[c], c, CollectionsMarshal.AsSpan(waiting), world.TimeMs, ledgers, grants, ref visit);
        var next = (world with { Ledgers = ledgers.ToImmutable() }).Emit(grants);
        foreach (var (id, session) in wakes)
        {
            var due = session.LastTurnMs + session.Profile.CadenceMs;
            next = next.Do(CephalonSystem.Wake(id, due)) with { Sessions = next.Sessions.SetItem(id, session with { WakeAtMs = due }) };
        }
        return next;
    }

    /// <summary>
    /// Grants a cephalon's free slots to the earliest starts among its waiting sessions (those in
    /// <paramref name="waiting"/> from <see cref="Line.First"/> to <see cref="Line.Last"/> that are its own). A
    /// budget is read only for a session that would win a slot; a no marks it out for the tick, since its ledger
    /// cannot change unless it is granted.
    /// </summary>
    private static void FillSlots(
        ref Line line, int cephalon, Span<Candidate> waiting, long nowMs, ImmutableSortedDictionary<EntityId, SessionLedger>.Builder ledgers, List<Event> grants, ref long visit)
    {
        for (var slots = line.Cap - line.InFlight; slots > 0 && line.First <= line.Last; slots--)
        {
            var floor = line.VirtualTime - MaxLag;
            var best = -1;
            long bestStart = 0;
            for (var i = line.First; i <= line.Last; i++)
            {
                ref var candidate = ref waiting[i];
                if (candidate.Cephalon != cephalon)
                    continue;
                var start = Math.Max(candidate.Ledger.Pass, floor);
                // Earlier start, then the longer wait; the lower id (earlier in the walk) keeps a tie.
                if (best >= 0 && (start > bestStart || (start == bestStart && candidate.Ledger.LastGrant >= waiting[best].Ledger.LastGrant)))
                    continue;
                if (!Budget.CanSpend(candidate.Ledger, candidate.Session.Budgets, nowMs, MinimumTurnTokens))
                {
                    candidate.Cephalon = -1;
                    continue;
                }
                best = i;
                bestStart = start;
            }
            if (best < 0)
                return;
            ref var granted = ref waiting[best];
            granted.Cephalon = -1;
            var ledger = granted.Ledger with { Pass = bestStart + Stride(granted.Ledger.Weight), LastGrant = ++visit };
            ledgers[granted.Id] = ledger;
            grants.Add(new SessionTurnGranted(granted.Id, granted.Session.Name, visit));
            line.VirtualTime = Math.Max(line.VirtualTime, bestStart);
        }
    }

    /// <summary>
    /// A cephalon's state for one tick: its cap, calls in flight, virtual time (the start of the latest turn granted
    /// in it), and where its waiting sessions lie in the shared list (usually one run, as a cephalon's sessions are
    /// spawned together).
    /// </summary>
    private record struct Line(EntityId Id, int Cap)
    {
        public int InFlight;
        public long VirtualTime = long.MinValue;
        public int First = int.MaxValue;
        public int Last = -1;
    }

    /// <summary>A session that could take a turn but for its budget; <see cref="Cephalon"/> is -1 once granted or out of budget.</summary>
    private record struct Candidate(EntityId Id, Session Session, SessionLedger Ledger, int Cephalon);

    /// <summary>The index of the cephalon <paramref name="id"/> in <paramref name="lines"/>, or -1; tries <paramref name="hint"/> first.</summary>
    private static int LineOf(Line[] lines, EntityId id, int hint)
    {
        if (hint < lines.Length && lines[hint].Id == id)
            return hint;
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Id == id)
                return i;
        }
        return -1;
    }

    /// <summary>
    /// A session with work that waits only for its cadence needs a tick when the cadence is over; nothing else may
    /// bring one, so the scheduler asks for a wake at that time (once per due time). The scheduler changes no
    /// session, so this reads the sessions as they came in.
    /// </summary>
    private static bool NeedsWake(Session session, long nowMs)
    {
        if (session.Status != SessionStatus.Ready || session.Turn is not null || session.Queue.IsEmpty || session.LastTurnMs == 0)
            return false;
        var due = session.LastTurnMs + session.Profile.CadenceMs;
        return due > nowMs && session.WakeAtMs != due;
    }

    /// <summary>
    /// Ready, with work (queued events, or a turn waiting to call the model again), and past its cadence when the
    /// turn would be a new one: a candidate but for its budget and its call in flight, which are read from the ledger.
    /// </summary>
    private static bool IsWaiting(Session session, long nowMs) =>
        session.Status == SessionStatus.Ready && HasWork(session)
        && (session.Turn is not null || session.LastTurnMs == 0 || nowMs >= session.LastTurnMs + session.Profile.CadenceMs);

    private static bool HasWork(Session session) =>
        !session.Queue.IsEmpty || session.Turn is { Phase: TurnPhase.Continuing };

    /// <summary>Closes calls answered this tick (a response or an error carrying the session in its meta).</summary>
    private static void Settle(ImmutableArray<Event> events, ImmutableSortedDictionary<EntityId, SessionLedger>.Builder ledgers)
    {
        foreach (var e in events)
        {
            var (effectId, meta, tokens) = e switch
            {
                LlmResponse r => (r.EffectId, r.Meta, (int?)(r.Usage.PromptTokens + r.Usage.CompletionTokens)),
                EffectError err when err.EffectType == "llm/chat" => (err.EffectId, err.Meta, (int?)null),
                _ => (null, null, null),
            };
            if (effectId is null || meta is null || !meta.TryGetValue("session", out var session) || !EntityId.TryParse(session, out var id))
                continue;
            if (ledgers.TryGetValue(id, out var ledger))
            {
                var settled = Budget.Settle(ledger, effectId, tokens);
                if (!ReferenceEquals(settled, ledger))
                    ledgers[id] = settled;
            }
        }
    }
}
