using System.Collections.Immutable;
using Promethean.Core;
using Promethean.Core.Components;
using Promethean.Core.Events;
using Promethean.Core.Systems;

namespace Promethean.Bench;

/// <summary>
/// session.scheduler as it was before it was tuned for 1,000 sessions (commit c77340d, with the Budget.CanSpend
/// of that commit inlined), kept as the same-run baseline of <see cref="SchedulerScenario"/> and as the oracle
/// that the tuned system grants the same turns and leaves the same ledgers.
/// </summary>
internal static class SchedulerBaseline
{
    /// <summary>Smallest token cost a turn can have; a session with less budget left is not visited.</summary>
    public const int MinimumTurnTokens = 1;

    public static World Update(World world, IStoreReader stores)
    {
        var ledgers = world.Ledgers.ToBuilder();
        foreach (var (id, _) in world.Sessions)
        {
            if (!ledgers.ContainsKey(id))
                ledgers[id] = SessionLedger.Start(1);
        }
        Settle(world, ledgers);

        var grants = new List<Event>();
        var visit = world.Tick * 1_000_000;
        foreach (var (cephalonId, cephalon) in world.Cephalons)
        {
            var members = cephalon.Sessions.Where(world.Sessions.ContainsKey).ToList();
            var slots = cephalon.Policy.MaxLlmCallsInFlight - members.Count(s => ledgers[s].InFlightEffect is not null);
            if (slots <= 0 || members.Count == 0)
                continue;
            var quantum = members.Max(s => ledgers[s].Weight);
            var candidates = members
                .Where(s => IsCandidate(world.Sessions[s], ledgers[s], world.TimeMs))
                .OrderBy(s => ledgers[s].LastVisit).ThenBy(s => s)
                .ToList();
            foreach (var sessionId in candidates)
            {
                if (slots == 0)
                    break;
                var ledger = ledgers[sessionId];
                ledger = ledger with { Deficit = ledger.Deficit + ledger.Weight, LastVisit = ++visit };
                if (ledger.Deficit >= quantum)
                {
                    ledger = ledger with { Deficit = ledger.Deficit - quantum };
                    grants.Add(new SessionTurnGranted(sessionId, world.Sessions[sessionId].Name, ledger.LastVisit));
                    slots--;
                }
                ledgers[sessionId] = ledger;
            }
            foreach (var sessionId in members.Where(s => world.Sessions[s].Queue.IsEmpty && ledgers[s].Deficit != 0))
                ledgers[sessionId] = ledgers[sessionId] with { Deficit = 0 };
        }
        return (world with { Ledgers = ledgers.ToImmutable() }).Emit(grants);
    }

    private static bool IsCandidate(Session session, SessionLedger ledger, long nowMs) =>
        session.Status == SessionStatus.Ready && !session.Queue.IsEmpty
        && CanSpend(ledger, session.Budgets, nowMs, MinimumTurnTokens);

    private static bool CanSpend(SessionLedger ledger, SessionBudgets budgets, long nowMs, int tokens)
    {
        var pruned = Budget.Prune(ledger, nowMs);
        return pruned.InFlightEffect is null
            && pruned.CallTimesMs.Length < budgets.LlmCallsPerMinute
            && tokens <= Budget.TokensLeft(pruned, budgets, nowMs);
    }

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
            var id = EntityId.Parse(session);
            if (ledgers.TryGetValue(id, out var ledger))
                ledgers[id] = Budget.Settle(ledger, effectId, tokens);
        }
    }
}
