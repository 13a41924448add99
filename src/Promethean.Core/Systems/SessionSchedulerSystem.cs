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
        var ledgers = world.Ledgers.ToBuilder();
        Settle(world, ledgers);
        var rows = Rows(world.Sessions, ledgers);

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
                        Set(rows, r, ledger, ledgers);
                        continue;
                    }
                    Set(rows, r, ledger, ledgers);
                    candidates[next++] = (ledger.LastVisit, id, r);
                }
                candidates.RemoveRange(next, candidates.Count - next);
            }
            foreach (var r in members)
            {
                if (!HasWork(rows[r].Session) && rows[r].Ledger.Deficit != 0)
                    Set(rows, r, rows[r].Ledger with { Deficit = 0 }, ledgers);
            }
        }
        var scheduled = (world with { Ledgers = ledgers.ToImmutable() }).Emit(grants);
        return WakeForCadence(scheduled);
    }

    /// <summary>
    /// A session with work that waits only for its cadence needs a tick when the cadence is over; nothing else
    /// may bring one, so the scheduler asks for a wake at that time (once per due time).
    /// </summary>
    private static World WakeForCadence(World world)
    {
        var next = world;
        foreach (var (id, session) in world.Sessions)
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

    /// <summary>A session and its ledger as of this tick; kept in step with the ledger builder as visits change it.</summary>
    private record struct Row(EntityId Id, Session Session, SessionLedger Ledger);

    /// <summary>
    /// Every session with its (settled) ledger, in id order, starting a ledger for a session that has none. One
    /// walk over the two sorted maps side by side: with a thousand sessions, a lookup per session per cephalon
    /// was most of the tick.
    /// </summary>
    private static Row[] Rows(ImmutableSortedDictionary<EntityId, Session> sessions, ImmutableSortedDictionary<EntityId, SessionLedger>.Builder ledgers)
    {
        var rows = new Row[sessions.Count];
        var settled = ledgers.ToImmutable();
        using var ledger = settled.GetEnumerator();
        var more = ledger.MoveNext();
        var i = 0;
        foreach (var (id, session) in sessions)
        {
            while (more && ledger.Current.Key < id)
                more = ledger.MoveNext();
            if (more && ledger.Current.Key == id)
            {
                rows[i++] = new Row(id, session, ledger.Current.Value);
                continue;
            }
            var started = SessionLedger.Start(1);
            ledgers[id] = started;
            rows[i++] = new Row(id, session, started);
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

    private static void Set(Row[] rows, int r, SessionLedger ledger, ImmutableSortedDictionary<EntityId, SessionLedger>.Builder ledgers)
    {
        rows[r] = rows[r] with { Ledger = ledger };
        ledgers[rows[r].Id] = ledger;
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

    /// <summary>Closes calls answered this tick (a response or an error carrying the session in its meta).</summary>
    private static void Settle(World world, ImmutableSortedDictionary<EntityId, SessionLedger>.Builder ledgers)
    {
        foreach (var e in world.EventsIn)
        {
            var (effectId, meta, tokens) = e switch
            {
                LlmResponse r => (r.EffectId, r.Meta, (int?)(r.Usage.PromptTokens + r.Usage.CompletionTokens)),
                EffectError err when err.EffectType == "llm/chat" => (err.EffectId, err.Meta, (int?)null),
                _ => (null, null, null),
            };
            if (effectId is null || meta is null || !meta.TryGetValue("session", out var session))
                continue;
            if (EntityId.TryParse(session, out var id) && ledgers.TryGetValue(id, out var ledger))
                ledgers[id] = Budget.Settle(ledger, effectId, tokens);
        }
    }
}
