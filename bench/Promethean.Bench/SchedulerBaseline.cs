using System.Collections.Immutable;
using Promethean.Core;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Systems;

namespace Promethean.Bench;

/// <summary>
/// session.scheduler written the straightforward way (as of commit 4eb7e7e, with the virtual-time selection that
/// replaced deficit round robin), kept as the same-run baseline of <see cref="SchedulerScenario"/> and as the oracle
/// that the tuned system grants the same turns and leaves the same ledgers.
/// </summary>
internal static class SchedulerBaseline
{
    /// <summary>Fewest tokens a turn is worth (a short prompt and answer); a session with less budget left is not visited.</summary>
    public const int MinimumTurnTokens = 64;

    /// <summary>A turn of a weight-1 session in virtual time; a turn of weight w is this over w.</summary>
    public const long VirtualTurn = 720_720;

    /// <summary>How far a session may fall behind the cephalon's virtual time: one weight-1 turn.</summary>
    public const long MaxLag = VirtualTurn;

    private static long Stride(int weight) => VirtualTurn / Math.Max(1, weight);

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
            var members = world.Sessions.Where(s => s.Value.Cephalon == cephalonId).Select(s => s.Key).ToList();
            var slots = cephalon.Policy.MaxLlmCallsInFlight - members.Count(s => ledgers[s].InFlightEffect is not null);
            if (slots <= 0 || members.Count == 0)
                continue;
            // The cephalon's virtual time: the start of the latest turn granted in it.
            var virtualTime = members.Max(s => ledgers[s].Pass - Stride(ledgers[s].Weight));
            var candidates = members.Where(s => IsCandidate(world.Sessions[s], ledgers[s], world.TimeMs)).ToList();
            while (slots > 0 && candidates.Count > 0)
            {
                var floor = virtualTime - MaxLag;
                var sessionId = candidates
                    .OrderBy(s => Math.Max(ledgers[s].Pass, floor)).ThenBy(s => ledgers[s].LastGrant).ThenBy(s => s)
                    .First();
                var ledger = ledgers[sessionId];
                var start = Math.Max(ledger.Pass, floor);
                ledgers[sessionId] = ledger with { Pass = start + Stride(ledger.Weight), LastGrant = ++visit };
                grants.Add(new SessionTurnGranted(sessionId, world.Sessions[sessionId].Name, visit));
                virtualTime = Math.Max(virtualTime, start);
                candidates.Remove(sessionId);
                slots--;
            }
        }
        var next = (world with { Ledgers = ledgers.ToImmutable() }).Emit(grants);
        return WakeForCadence(next);
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
            var meta = ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal)
                .Add(CephalonSystem.SessionKey, id.ToString()).Add(CephalonSystem.PurposeKey, CephalonSystem.WakePurpose);
            next = next.Do(new TimerWake(due) { Meta = meta }) with { Sessions = next.Sessions.SetItem(id, session with { WakeAtMs = due }) };
        }
        return next;
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
            if (!long.TryParse(session, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var raw))
                continue;
            var id = new EntityId(raw);
            if (ledgers.TryGetValue(id, out var ledger))
                ledgers[id] = Budget.Settle(ledger, effectId, tokens);
        }
    }
}
