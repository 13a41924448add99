using System.Collections.Immutable;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;

namespace Promethean.Core.Systems;

/// <summary>
/// seed sys.session.scheduler: weighted fair queueing across ready sessions by deficit round robin.
/// Each tick it settles finished calls, then, per cephalon, fills the free LLM slots (policy cap
/// minus calls in flight): sessions that are ready, have queued work, have nothing in flight and
/// have budget left are visited least-recently-visited first; a visit adds the session's weight to
/// its deficit and grants a turn once the deficit reaches the cephalon's largest weight. Grants are
/// <c>session/turn.granted</c> events for cephalon.step, which reserves the tokens it will spend.
/// </summary>
public static class SessionSchedulerSystem
{
    /// <summary>Fewest tokens a turn is worth (a short prompt and answer); a session with less budget left is not visited.</summary>
    public const int MinimumTurnTokens = 64;

    public static World Update(World world, IStoreReader stores)
    {
        var rows = Rows(world.Sessions, world.Ledgers);
        var ledgers = world.Ledgers.ToBuilder();
        Settle(world, rows, ledgers);

        var grants = new List<Event>();
        var visit = world.Tick * 1_000_000;
        var members = new List<int>();
        var candidates = new List<(long LastVisit, long Id, int Row)>();
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
            var quantum = int.MinValue;
            candidates.Clear();
            foreach (var r in members)
            {
                quantum = Math.Max(quantum, rows[r].Ledger.Weight);
                if (IsCandidate(rows[r].Session, rows[r].Ledger, world.TimeMs))
                    candidates.Add((rows[r].Ledger.LastVisit, rows[r].Id.Value, r));
            }
            // Rounds repeat within the tick while slots are free, so a light session alone is not kept waiting
            // for ticks that may never come; deficits carry over, so shares stay proportional to the weights.
            while (slots > 0 && candidates.Count > 0)
            {
                candidates.Sort();
                var next = 0;
                for (var c = 0; c < candidates.Count; c++)
                {
                    var (_, id, r) = candidates[c];
                    if (slots == 0)
                    {
                        candidates[next++] = (rows[r].Ledger.LastVisit, id, r);
                        continue;
                    }
                    var ledger = rows[r].Ledger;
                    ledger = ledger with { Deficit = ledger.Deficit + ledger.Weight, LastVisit = ++visit };
                    if (ledger.Deficit >= quantum)
                    {
                        ledger = ledger with { Deficit = ledger.Deficit - quantum };
                        grants.Add(new SessionTurnGranted(rows[r].Id, rows[r].Session.Name, ledger.LastVisit));
                        slots--;
                        rows[r].Ledger = ledger;
                        continue;
                    }
                    rows[r].Ledger = ledger;
                    candidates[next++] = (ledger.LastVisit, id, r);
                }
                candidates.RemoveRange(next, candidates.Count - next);
            }
            foreach (var r in members)
            {
                if (!HasWork(rows[r].Session) && rows[r].Ledger.Deficit != 0)
                    rows[r].Ledger = rows[r].Ledger with { Deficit = 0 };
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
