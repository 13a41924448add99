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
/// nothing in flight and have budget left. A session's pass is the virtual time its last turn ended; its next turn
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
        var due = new List<int>();
        var changed = new List<int>();
        var rows = Rows(world.Sessions, world.Ledgers, world.TimeMs, due, changed);
        var ledgers = world.Ledgers.ToBuilder();
        Settle(world, rows, ledgers, changed);

        var grants = new List<Event>();
        var visit = world.Tick * 1_000_000;
        var candidates = new List<Candidate>();
        foreach (var (_, cephalon) in world.Cephalons)
            FillSlots(cephalon, world.TimeMs, rows, candidates, changed, grants, ref visit);
        // Only the ledgers this tick changed (or started) go back into the map: each write copies a path of the tree.
        foreach (var r in changed)
            ledgers[rows[r].Id] = rows[r].Ledger;
        var next = (world with { Ledgers = ledgers.ToImmutable() }).Emit(grants);
        foreach (var r in due)
        {
            var (id, session, _, _) = rows[r];
            var wakeAt = session.LastTurnMs + session.Profile.CadenceMs;
            next = next.Do(CephalonSystem.Wake(id, wakeAt)) with { Sessions = next.Sessions.SetItem(id, session with { WakeAtMs = wakeAt }) };
        }
        return next;
    }

    /// <summary>
    /// Grants the cephalon's free slots to the earliest starts. One walk over the members finds the calls in flight,
    /// the cephalon's virtual time and the sessions that could take a turn but for their budget; a budget is read
    /// only for a session that would win a slot.
    /// </summary>
    private static void FillSlots(Cephalon cephalon, long nowMs, Row[] rows, List<Candidate> candidates, List<int> changed, List<Event> grants, ref long visit)
    {
        candidates.Clear();
        var inFlight = 0;
        var virtualTime = long.MinValue;
        var hint = -1;
        foreach (var sessionId in cephalon.Sessions)
        {
            var r = Find(rows, sessionId, hint);
            if (r < 0)
                continue;
            hint = r;
            var ledger = rows[r].Ledger;
            // Pass - stride < Pass: only a pass above the time so far can raise it (and is worth the division).
            if (ledger.Pass > virtualTime)
                virtualTime = Math.Max(virtualTime, ledger.Pass - Stride(ledger.Weight));
            if (ledger.InFlightEffect is not null)
                inFlight++;
            else if (IsWaiting(rows[r].Session, nowMs))
                candidates.Add(new Candidate(ledger.Pass, ledger.LastGrant, r));
        }
        var open = CollectionsMarshal.AsSpan(candidates);
        for (var slots = cephalon.Policy.MaxLlmCallsInFlight - inFlight; slots > 0; slots--)
        {
            var floor = virtualTime - MaxLag;
            var best = -1;
            for (var c = 0; c < open.Length; c++)
            {
                ref var candidate = ref open[c];
                if (candidate.Row < 0 || (best >= 0 && !Before(candidate, open[best], floor)))
                    continue;
                // Its ledger does not change this tick unless it is granted: a no now is a no for the whole tick.
                if (!Budget.CanSpend(rows[candidate.Row].Ledger, rows[candidate.Row].Session.Budgets, nowMs, MinimumTurnTokens))
                {
                    candidate.Row = -1;
                    continue;
                }
                best = c;
            }
            if (best < 0)
                return;
            var row = open[best].Row;
            open[best].Row = -1;
            var granted = rows[row].Ledger;
            var start = Math.Max(granted.Pass, floor);
            rows[row].Ledger = granted with { Pass = start + Stride(granted.Weight), LastGrant = ++visit };
            Changed(rows, row, changed);
            grants.Add(new SessionTurnGranted(rows[row].Id, rows[row].Session.Name, visit));
            virtualTime = Math.Max(virtualTime, start);
        }
    }

    /// <summary>A session's place in the line for a slot: its pass and last grant, copied out of the ledger for the scans.</summary>
    private record struct Candidate(long Pass, long LastGrant, int Row);

    /// <summary>
    /// A session and its ledger as this tick changes it; <see cref="Changed"/> once it is listed to be written back
    /// (a ledger the session did not have yet starts changed).
    /// </summary>
    private record struct Row(EntityId Id, Session Session, SessionLedger Ledger, bool Changed);

    private static void Changed(Row[] rows, int row, List<int> changed)
    {
        if (rows[row].Changed)
            return;
        rows[row].Changed = true;
        changed.Add(row);
    }

    /// <summary>
    /// Every session with its ledger, in id order, starting a ledger for a session that has none. One walk over the
    /// two sorted maps side by side (with a thousand sessions, a lookup per session per cephalon was most of the
    /// tick), which also lists the sessions that need a cadence wake (<see cref="NeedsWake"/>), so no second walk.
    /// </summary>
    private static Row[] Rows(
        ImmutableSortedDictionary<EntityId, Session> sessions, ImmutableSortedDictionary<EntityId, SessionLedger> ledgers, long nowMs, List<int> due, List<int> changed)
    {
        var rows = new Row[sessions.Count];
        using var ledger = ledgers.GetEnumerator();
        var more = ledger.MoveNext();
        var i = 0;
        foreach (var (id, session) in sessions)
        {
            while (more && ledger.Current.Key < id)
                more = ledger.MoveNext();
            if (NeedsWake(session, nowMs))
                due.Add(i);
            if (more && ledger.Current.Key == id)
            {
                rows[i++] = new Row(id, session, ledger.Current.Value, false);
                continue;
            }
            rows[i] = new Row(id, session, SessionLedger.Start(1), true);
            changed.Add(i++);
        }
        return rows;
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

    /// <summary>Whether <paramref name="a"/>'s turn starts before <paramref name="b"/>'s: earlier start, then the longer wait, then the lower id.</summary>
    private static bool Before(in Candidate a, in Candidate b, long floor)
    {
        var c = Math.Max(a.Pass, floor).CompareTo(Math.Max(b.Pass, floor));
        if (c == 0)
            c = a.LastGrant.CompareTo(b.LastGrant);
        return c < 0 || (c == 0 && a.Row < b.Row);
    }

    /// <summary>The row of <paramref name="id"/>, or -1; tries the row after <paramref name="hint"/> first, since a cephalon's sessions are usually spawned together.</summary>
    private static int Find(Row[] rows, EntityId id, int hint)
    {
        if (hint + 1 < rows.Length && rows[hint + 1].Id == id)
            return hint + 1;
        int lo = 0, hi = rows.Length - 1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var c = rows[mid].Id.CompareTo(id);
            if (c == 0)
                return mid;
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid - 1;
        }
        return -1;
    }

    /// <summary>
    /// Ready, with work (queued events, or a turn waiting to call the model again), past its cadence when the
    /// turn would be a new one, and with budget for a call.
    /// </summary>
    public static bool IsCandidate(Session session, SessionLedger ledger, long nowMs) =>
        IsWaiting(session, nowMs) && Budget.CanSpend(ledger, session.Budgets, nowMs, MinimumTurnTokens);

    /// <summary>A candidate but for its budget and its call in flight, which are read from the ledger.</summary>
    private static bool IsWaiting(Session session, long nowMs) =>
        session.Status == SessionStatus.Ready && HasWork(session)
        && (session.Turn is not null || session.LastTurnMs == 0 || nowMs >= session.LastTurnMs + session.Profile.CadenceMs);

    private static bool HasWork(Session session) =>
        !session.Queue.IsEmpty || session.Turn is { Phase: TurnPhase.Continuing };

    /// <summary>
    /// Closes calls answered this tick (a response or an error carrying the session in its meta), in the rows, or
    /// in the map for a ledger whose session is gone.
    /// </summary>
    private static void Settle(World world, Row[] rows, ImmutableSortedDictionary<EntityId, SessionLedger>.Builder ledgers, List<int> changed)
    {
        foreach (var e in world.EventsIn)
        {
            var (effectId, meta, tokens) = e switch
            {
                LlmResponse r => (r.EffectId, r.Meta, (int?)(r.Usage.PromptTokens + r.Usage.CompletionTokens)),
                EffectError err when err.EffectType == "llm/chat" => (err.EffectId, err.Meta, (int?)null),
                _ => (null, null, null),
            };
            if (effectId is null || meta is null || !meta.TryGetValue("session", out var session) || !EntityId.TryParse(session, out var id))
                continue;
            var row = Find(rows, id, -1);
            if (row >= 0)
            {
                var settled = Budget.Settle(rows[row].Ledger, effectId, tokens);
                if (ReferenceEquals(settled, rows[row].Ledger))
                    continue;
                rows[row].Ledger = settled;
                Changed(rows, row, changed);
            }
            else if (ledgers.TryGetValue(id, out var ledger))
                ledgers[id] = Budget.Settle(ledger, effectId, tokens);
        }
    }
}
