using System.Collections.Immutable;
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
        var rows = Rows(world.Sessions, world.Ledgers);
        var ledgers = world.Ledgers.ToBuilder();
        Settle(world, rows, ledgers);

        var grants = new List<Event>();
        var visit = world.Tick * 1_000_000;
        var members = new List<int>();
        var candidates = new List<int>();
        foreach (var (cephalonId, cephalon) in world.Cephalons)
        {
            members.Clear();
            var inFlight = 0;
            var hint = -1;
            foreach (var sessionId in cephalon.Sessions)
            {
                hint = Find(rows, sessionId, hint);
                if (hint < 0)
                {
                    hint = -1;
                    continue;
                }
                members.Add(hint);
                if (rows[hint].Ledger.InFlightEffect is not null)
                    inFlight++;
            }
            var slots = cephalon.Policy.MaxLlmCallsInFlight - inFlight;
            if (slots <= 0 || members.Count == 0)
                continue;
            var now = long.MinValue;
            candidates.Clear();
            foreach (var r in members)
            {
                now = Math.Max(now, rows[r].Ledger.Pass - Stride(rows[r].Ledger.Weight));
                if (IsCandidate(rows[r].Session, rows[r].Ledger, world.TimeMs))
                    candidates.Add(r);
            }
            while (slots > 0 && candidates.Count > 0)
            {
                var floor = now - MaxLag;
                var best = 0;
                for (var c = 1; c < candidates.Count; c++)
                {
                    if (Before(rows[candidates[c]], rows[candidates[best]], floor))
                        best = c;
                }
                var r = candidates[best];
                var ledger = rows[r].Ledger;
                var start = Math.Max(ledger.Pass, floor);
                rows[r].Ledger = ledger with { Pass = start + Stride(ledger.Weight), LastGrant = ++visit };
                grants.Add(new SessionTurnGranted(rows[r].Id, rows[r].Session.Name, visit));
                now = Math.Max(now, start);
                candidates.RemoveAt(best);
                slots--;
            }
        }
        // Only the ledgers this tick changed (or started) go back into the map: each write copies a path of the tree.
        foreach (var row in rows)
        {
            if (!ReferenceEquals(row.Ledger, row.Stored))
                ledgers[row.Id] = row.Ledger;
        }
        var scheduled = (world with { Ledgers = ledgers.ToImmutable() }).Emit(grants);
        return WakeForCadence(scheduled, rows);
    }

    /// <summary>
    /// A session with work that waits only for its cadence needs a tick when the cadence is over; nothing else
    /// may bring one, so the scheduler asks for a wake at that time (once per due time). Reads the rows rather
    /// than the session map: the scheduler changes no session before this, and a second walk of the map was about
    /// a quarter of the tick.
    /// </summary>
    private static World WakeForCadence(World world, Row[] rows)
    {
        var next = world;
        foreach (var (id, session, _, _) in rows)
        {
            if (session.Status != SessionStatus.Ready || session.Turn is not null || session.Queue.IsEmpty || session.LastTurnMs == 0)
                continue;
            var due = session.LastTurnMs + session.Profile.CadenceMs;
            if (due <= world.TimeMs || session.WakeAtMs == due)
                continue;
            next = next.Do(CephalonSystem.Wake(id, due)) with { Sessions = next.Sessions.SetItem(id, session with { WakeAtMs = due }) };
        }
        return next;
    }

    /// <summary>
    /// A session and its ledger as visits change it this tick; <see cref="Stored"/> is the ledger in the world
    /// (null when the session has none yet), so only changed ledgers are written back.
    /// </summary>
    private record struct Row(EntityId Id, Session Session, SessionLedger Ledger, SessionLedger? Stored);

    /// <summary>
    /// Every session with its ledger, in id order, starting a ledger for a session that has none. One walk over
    /// the two sorted maps side by side: with a thousand sessions, a lookup per session per cephalon was most of
    /// the tick.
    /// </summary>
    private static Row[] Rows(ImmutableSortedDictionary<EntityId, Session> sessions, ImmutableSortedDictionary<EntityId, SessionLedger> ledgers)
    {
        var rows = new Row[sessions.Count];
        using var ledger = ledgers.GetEnumerator();
        var more = ledger.MoveNext();
        var i = 0;
        foreach (var (id, session) in sessions)
        {
            while (more && ledger.Current.Key < id)
                more = ledger.MoveNext();
            rows[i++] = more && ledger.Current.Key == id
                ? new Row(id, session, ledger.Current.Value, ledger.Current.Value)
                : new Row(id, session, SessionLedger.Start(1), null);
        }
        return rows;
    }

    /// <summary>Whether <paramref name="a"/>'s turn starts before <paramref name="b"/>'s: earlier start, then the longer wait, then the lower id.</summary>
    private static bool Before(in Row a, in Row b, long floor)
    {
        var c = Math.Max(a.Ledger.Pass, floor).CompareTo(Math.Max(b.Ledger.Pass, floor));
        if (c == 0)
            c = a.Ledger.LastGrant.CompareTo(b.Ledger.LastGrant);
        return c < 0 || (c == 0 && a.Id < b.Id);
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
        session.Status == SessionStatus.Ready && HasWork(session)
        && (session.Turn is not null || session.LastTurnMs == 0 || nowMs >= session.LastTurnMs + session.Profile.CadenceMs)
        && Budget.CanSpend(ledger, session.Budgets, nowMs, MinimumTurnTokens);

    private static bool HasWork(Session session) =>
        !session.Queue.IsEmpty || session.Turn is { Phase: TurnPhase.Continuing };

    /// <summary>
    /// Closes calls answered this tick (a response or an error carrying the session in its meta), in the rows, or
    /// in the map for a ledger whose session is gone.
    /// </summary>
    private static void Settle(World world, Row[] rows, ImmutableSortedDictionary<EntityId, SessionLedger>.Builder ledgers)
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
                rows[row].Ledger = Budget.Settle(rows[row].Ledger, effectId, tokens);
            else if (ledgers.TryGetValue(id, out var ledger))
                ledgers[id] = Budget.Settle(ledger, effectId, tokens);
        }
    }
}
