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

        // The memo knows each cephalon's calls in flight, virtual time and waiting sessions as of the last tick it saw,
        // and catches up with what changed since (with a thousand sessions, reading them all was most of the tick).
        // A world it is busy with elsewhere (the same world scheduled on two threads) gets a memo of its own.
        var memo = world.SchedulerMemo;
        if (memo is null || !Monitor.TryEnter(memo))
        {
            memo = new SessionSchedulerMemo();
            Monitor.Enter(memo);
        }
        try
        {
            var wakes = new List<(EntityId Id, Session Session)>();
            memo.Sync(world, ledgers.ToImmutable(), ledgers, wakes);
            var grants = new List<Event>();
            var visit = world.Tick * 1_000_000;
            foreach (var line in memo.Lines)
                FillSlots(line, memo.Stamp, world.TimeMs, ledgers, grants, ref visit);
            var next = (world with { Ledgers = ledgers.ToImmutable(), SchedulerMemo = memo }).Emit(grants);
            foreach (var (id, session) in wakes)
            {
                var due = session.LastTurnMs + session.Profile.CadenceMs;
                var woken = session with { WakeAtMs = due };
                next = next.Do(CephalonSystem.Wake(id, due)) with { Sessions = next.Sessions.SetItem(id, woken) };
                memo.Woken(id, woken);
            }
            memo.Seal(next);
            return next;
        }
        finally
        {
            Monitor.Exit(memo);
        }
    }

    /// <summary>
    /// Grants a cephalon's free slots to the earliest starts among its waiting sessions that are past their cadence. A
    /// budget is read only for a session that would win a slot; a no marks it out until its budget windows move, since
    /// its ledger cannot change unless it is granted.
    /// </summary>
    private static void FillSlots(
        SessionSchedulerMemo.Line line, long stamp, long nowMs, ImmutableSortedDictionary<EntityId, SessionLedger>.Builder ledgers, List<Event> grants, ref long visit)
    {
        var waiting = line.Waiting;
        for (var slots = line.Cap - line.InFlight; slots > 0; slots--)
        {
            var floor = line.VirtualTime - MaxLag;
            SessionSchedulerMemo.Member? best = null;
            long bestStart = 0;
            for (var i = 0; i < waiting.Count; i++)
            {
                var candidate = waiting[i];
                if (candidate.Out == stamp || nowMs < candidate.DueMs || nowMs < candidate.BrokeUntilMs)
                    continue;
                var start = Math.Max(candidate.Ledger.Pass, floor);
                // Earlier start, then the longer wait; the lower id (earlier in the list) keeps a tie.
                if (best is not null && (start > bestStart || (start == bestStart && candidate.Ledger.LastGrant >= best.Ledger.LastGrant)))
                    continue;
                if (!Budget.CanSpend(candidate.Ledger, candidate.Session.Budgets, nowMs, MinimumTurnTokens))
                {
                    // Out of budget until its windows move or its ledger changes (which refreshes it in the memo).
                    candidate.Out = stamp;
                    candidate.BrokeUntilMs = Budget.AnswerStandsUntil(candidate.Ledger, nowMs);
                    continue;
                }
                best = candidate;
                bestStart = start;
            }
            if (best is null)
                return;
            best.Out = stamp;
            var ledger = best.Ledger with { Pass = bestStart + Stride(best.Ledger.Weight), LastGrant = ++visit };
            ledgers[best.Id] = ledger;
            grants.Add(new SessionTurnGranted(best.Id, best.Session.Name, visit));
            SessionSchedulerMemo.Granted(line, best, ledger, bestStart);
        }
    }

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
