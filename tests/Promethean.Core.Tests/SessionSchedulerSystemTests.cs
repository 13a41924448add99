using System.Collections.Immutable;
using CsCheck;
using Promethean.Core.Components;
using Promethean.Core.Events;
using Promethean.Core.Serialization;
using Promethean.Core.Systems;
using Promethean.Stores.Sqlite;
using Shouldly;

namespace Promethean.Core.Tests;

public sealed class SessionSchedulerSystemTests
{
    private static readonly TimerTick Work = new("work", 0);

    /// <summary>A cephalon with sessions of the given weights, each with queued work and a budget too large to bind.</summary>
    private static World Saturated(int[] weights, int cap)
    {
        var world = World.Empty.Spawn(out var cephalon);
        var ids = ImmutableSortedSet.CreateBuilder<EntityId>();
        foreach (var w in weights)
        {
            world = world.Spawn(out var id);
            ids.Add(id);
            var session = new Session($"s{id}", cephalon, "c1-survival", SessionSubscriptions.None, [Work], [], [], "",
                new SessionBudgets(LlmCallsPerMinute: 1_000_000, TokensPerMinute: int.MaxValue, TokensPerDay: int.MaxValue), SessionStatus.Ready);
            world = world with { Sessions = world.Sessions.Add(id, session), Ledgers = world.Ledgers.Add(id, SessionLedger.Start(w)) };
        }
        var policy = new CephalonPolicy("builtin", MaxLlmCallsInFlight: cap);
        return world with { Cephalons = world.Cephalons.Add(cephalon, new Cephalon("c", policy, ImmutableSortedDictionary<string, string>.Empty, ids.ToImmutable())) };
    }

    /// <summary>
    /// Runs the scheduler for <paramref name="ticks"/> ticks with the rest of a turn played the way
    /// cephalon.step does it: a granted session reserves a call, and the answer arrives <paramref name="latency"/> ticks later.
    /// </summary>
    private static Dictionary<EntityId, int> Simulate(World world, int ticks, int latency, int tokens = 10)
    {
        using var store = SqliteStore.InMemory();
        var granted = world.Sessions.Keys.ToDictionary(k => k, _ => 0);
        var answers = new List<(long Due, Event Answer)>();
        for (var t = 1; t <= ticks; t++)
        {
            var due = answers.Where(a => a.Due == t).Select(a => a.Answer).ToImmutableArray();
            answers.RemoveAll(a => a.Due == t);
            world = SessionSchedulerSystem.Update(Schedule.BeginTick(world, t * 1000L, due), store);
            foreach (var g in world.EventsOut.OfType<SessionTurnGranted>())
            {
                granted[g.Session]++;
                var effectId = $"{t}-{g.Session}";
                world = world with { Ledgers = world.Ledgers.SetItem(g.Session, Budget.Reserve(world.Ledgers[g.Session], world.TimeMs, effectId, tokens)) };
                var meta = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal).Add("session", g.Session.ToString());
                answers.Add((t + latency, new LlmResponse(effectId, "ok", [], "stop", new LlmUsage(tokens / 2, 1, false), 1, "m", "builtin") { Meta = meta }));
            }
        }
        return granted;
    }

    [Fact]
    public void Update_LightSessionAlone_IsGrantedInTheSameTick()
    {
        using var store = SqliteStore.InMemory();
        var world = Saturated([1, 5], cap: 2);
        var light = world.Sessions.Keys.First();
        var heavy = world.Sessions.Keys.Last();
        world = world with { Sessions = world.Sessions.SetItem(heavy, world.Sessions[heavy] with { Queue = [], Status = SessionStatus.Idle }) };

        var next = SessionSchedulerSystem.Update(Schedule.BeginTick(world, 1000, []), store);

        next.EventsOut.OfType<SessionTurnGranted>().ShouldHaveSingleItem().Session.ShouldBe(light, "no other tick may come to add to its deficit");
    }

    [Fact]
    public void Update_GrantsNoMoreThanTheFreeSlots()
    {
        using var store = SqliteStore.InMemory();
        var world = SessionSchedulerSystem.Update(Schedule.BeginTick(Saturated([1, 1, 1, 1], cap: 2), 1000, []), store);
        world.EventsOut.OfType<SessionTurnGranted>().Count().ShouldBe(2);
    }

    [Fact]
    public void Update_SessionCountsAgainstTheCephalonItNames()
    {
        using var store = SqliteStore.InMemory();
        var world = Saturated([1, 1], cap: 1).Spawn(out var other);
        var moved = world.Sessions.Keys.Last();
        world = world with
        {
            Cephalons = world.Cephalons.Add(other, new Cephalon("other", new CephalonPolicy("builtin", MaxLlmCallsInFlight: 1), ImmutableSortedDictionary<string, string>.Empty, [])),
            Sessions = world.Sessions.SetItem(moved, world.Sessions[moved] with { Cephalon = other }),
        };
        var next = SessionSchedulerSystem.Update(Schedule.BeginTick(world, 1000, []), store);
        next.EventsOut.OfType<SessionTurnGranted>().Select(g => g.Session).ShouldBe(world.Sessions.Keys, "one slot in each cephalon, the one whose policy the call uses");
    }

    [Fact]
    public void Update_SessionWithoutWorkOrInFlight_IsNotGranted()
    {
        using var store = SqliteStore.InMemory();
        var world = Saturated([1, 1, 1], cap: 3);
        var ids = world.Sessions.Keys.ToArray();
        world = world with
        {
            Sessions = world.Sessions.SetItem(ids[0], world.Sessions[ids[0]] with { Queue = [] }),
            Ledgers = world.Ledgers.SetItem(ids[1], Budget.Reserve(world.Ledgers[ids[1]], 0, "0-1", 5)),
        };
        var next = SessionSchedulerSystem.Update(Schedule.BeginTick(world, 1000, []), store);
        next.EventsOut.OfType<SessionTurnGranted>().ShouldHaveSingleItem().Session.ShouldBe(ids[2]);
    }

    [Fact]
    public void Update_OutOfCallBudget_IsNotGranted()
    {
        using var store = SqliteStore.InMemory();
        var world = Saturated([1], cap: 1);
        var id = world.Sessions.Keys.Single();
        world = world with { Sessions = world.Sessions.SetItem(id, world.Sessions[id] with { Budgets = new SessionBudgets(LlmCallsPerMinute: 1) }) };
        var ledger = Budget.Settle(Budget.Reserve(world.Ledgers[id], 500, "0-1", 5), "0-1", 5);
        world = world with { Ledgers = world.Ledgers.SetItem(id, ledger) };
        SessionSchedulerSystem.Update(Schedule.BeginTick(world, 1000, []), store).EventsOut.ShouldBeEmpty();
        SessionSchedulerSystem.Update(Schedule.BeginTick(world, 61_000, []), store).EventsOut.OfType<SessionTurnGranted>().ShouldHaveSingleItem();
    }

    [Fact]
    public void Update_ResponseSettlesTheCallInFlight()
    {
        using var store = SqliteStore.InMemory();
        var world = Saturated([1], cap: 1);
        var id = world.Sessions.Keys.Single();
        world = world with { Ledgers = world.Ledgers.SetItem(id, Budget.Reserve(world.Ledgers[id], 0, "0-1", 500)) };
        var meta = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal).Add("session", id.ToString());
        var answer = new LlmResponse("0-1", "hi", [], "stop", new LlmUsage(100, 20, false), 5, "m", "builtin") { Meta = meta };
        var next = SessionSchedulerSystem.Update(Schedule.BeginTick(world, 1000, [answer]), store);
        next.Ledgers[id].InFlightEffect.ShouldBeNull();
        next.Ledgers[id].DayTokens.ShouldBe(120);
        next.EventsOut.OfType<SessionTurnGranted>().ShouldHaveSingleItem();
    }

    /// <summary>
    /// The weighted max-min fair shares of the turns, as numerators over one denominator. A session holds at most one
    /// of the cap's slots, so with equal call latencies it can have at most 1/cap of the turns; one whose weight asks
    /// for more gets that 1/cap, and the others share the rest by weight (water-filling).
    /// </summary>
    private static (long[] Numerators, long Denominator) FairShares(int[] weights, int cap)
    {
        var full = new bool[weights.Length];
        while (true)
        {
            // Uncapped sessions share the slots left by weight; one whose share of them is over a whole slot is capped.
            long rest = 0, slotsLeft = cap;
            for (var i = 0; i < weights.Length; i++)
            {
                if (full[i])
                    slotsLeft--;
                else
                    rest += weights[i];
            }
            var over = Enumerable.Range(0, weights.Length).Where(i => !full[i] && slotsLeft * weights[i] > rest).ToList();
            if (over.Count == 0)
                return (weights.Select((w, i) => full[i] ? rest : slotsLeft * w).ToArray(), cap * rest);
            foreach (var i in over)
                full[i] = true;
        }
    }

    [Fact]
    public void FairShares_SessionAskingForMoreThanOneSlot_GetsOneSlotAndTheRestIsSharedByWeight()
    {
        var (capped, cappedDenominator) = FairShares([4, 1, 1, 1], cap: 2);
        capped.ShouldBe([3L, 1, 1, 1], "1/2 for the weight 4, 1/6 for each other");
        cappedDenominator.ShouldBe(6);
        var (weighted, weightedDenominator) = FairShares([1, 1, 2, 1, 1, 1, 4], cap: 2);
        weighted.ShouldBe([2L, 2, 4, 2, 2, 2, 8], "4/11 asks for less than a slot: the weights");
        weightedDenominator.ShouldBe(22);
    }

    [Theory]
    // A weight-4 session that is often in flight when the others' turns come: it got 30% under deficit round robin.
    [InlineData(new[] { 1, 1, 2, 1, 1, 1, 4 }, 2, 1, new[] { 273, 273, 546, 273, 273, 273, 1089 })]
    // Weight 4 of 7 asks for more than one of the two slots: it has one all the time, the others share the other.
    [InlineData(new[] { 4, 1, 1, 1 }, 2, 1, new[] { 1499, 501, 500, 500 })]
    public void Update_Saturated_GrantsTheWeightedMaxMinShares(int[] weights, int cap, int latency, int[] expected)
    {
        var world = Saturated(weights, cap);
        var grants = Simulate(world, 1500, latency);
        world.Sessions.Keys.Select(id => grants[id]).ToArray().ShouldBe(expected);
    }

    [Fact]
    public void Update_SessionFarBehind_GoesFirstButCatchesUpOneTurnAtMost()
    {
        using var store = SqliteStore.InMemory();
        var world = Saturated([1, 1, 1], cap: 1);
        var ids = world.Sessions.Keys.ToArray();
        world = world with
        {
            Ledgers = world.Ledgers.SetItems(ids.Select((id, i) => KeyValuePair.Create(id, world.Ledgers[id] with { Pass = i == 0 ? 0 : 100 * SessionSchedulerSystem.VirtualTurn }))),
        };
        var first = SessionSchedulerSystem.Update(Schedule.BeginTick(world, 1000, []), store);
        first.EventsOut.OfType<SessionTurnGranted>().ShouldHaveSingleItem().Session.ShouldBe(ids[0], "a hundred turns behind, it goes first");
        first.Ledgers[ids[0]].Pass.ShouldBe(99 * SessionSchedulerSystem.VirtualTurn, "and is then one turn behind the others, not a hundred");
    }

    [Fact]
    public void Property_UnderSaturation_SharesFollowWeightsAndNobodyStarves()
    {
        var gen = Gen.Select(Gen.Int[1, 4].Array[4, 8], Gen.Int[1, 2], Gen.Int[1, 2], (w, cap, latency) => (w, cap, latency));
        gen.Sample(p =>
        {
            var world = Saturated(p.w, p.cap);
            var grants = Simulate(world, 1500, p.latency);
            var total = grants.Values.Sum();
            var (shares, denominator) = FairShares(p.w, p.cap);
            var ids = world.Sessions.Keys.ToArray();
            for (var i = 0; i < ids.Length; i++)
            {
                grants[ids[i]].ShouldBeGreaterThan(0, "starved");
                // |share - fair share| <= 10% of the fair share, in integers: a share exactly at the bound must not fail on rounding.
                var deviation = Math.Abs(grants[ids[i]] * denominator - shares[i] * total);
                (10 * deviation).ShouldBeLessThanOrEqualTo(shares[i] * total,
                    $"weights [{string.Join(",", p.w)}] cap {p.cap} latency {p.latency}: session {i} share {grants[ids[i]] / (double)total:0.000} vs {shares[i] / (double)denominator:0.000}");
            }
        }, iter: 100);
    }

    [Fact]
    public void Property_BudgetsAreNeverExceeded()
    {
        var gen = Gen.Select(Gen.Int[1, 5], Gen.Int[50, 500], Gen.Int[500, 3000],
            Gen.Select(Gen.Int[0, 30_000], Gen.Int[1, 200], Gen.Int[0, 100]).Array[50, 300],
            (calls, tpm, tpd, ops) => (budgets: new SessionBudgets(calls, tpm, tpd), ops));
        gen.Sample(p =>
        {
            var ledger = SessionLedger.Start(1);
            var now = 0L;
            var spent = new List<(long At, int Tokens)>();
            var i = 0;
            foreach (var (advance, want, actualPercent) in p.ops)
            {
                now += advance;
                if (ledger.InFlightEffect is string open)
                {
                    var reserved = ledger.Charges.Single(c => c.EffectId == open).Tokens;
                    var actual = reserved * actualPercent / 100;
                    ledger = Budget.Settle(ledger, open, actual);
                    var last = spent[^1];
                    spent[^1] = (last.At, actual);
                }
                if (Budget.CanSpend(ledger, p.budgets, now, want))
                {
                    ledger = Budget.Reserve(ledger, now, $"e{i++}", want);
                    spent.Add((now, want));
                }
                foreach (var (at, _) in spent)
                {
                    spent.Count(s => s.At > at - Budget.MinuteMs && s.At <= at).ShouldBeLessThanOrEqualTo(p.budgets.LlmCallsPerMinute);
                    spent.Where(s => s.At > at - Budget.MinuteMs && s.At <= at).Sum(s => s.Tokens).ShouldBeLessThanOrEqualTo(p.budgets.TokensPerMinute);
                }
                spent.Where(s => s.At / Budget.DayMs == now / Budget.DayMs).Sum(s => s.Tokens).ShouldBeLessThanOrEqualTo(p.budgets.TokensPerDay);
            }
        }, iter: 60);
    }

    /// <summary>
    /// The scheduler keeps a memo of the tables it last saw and catches up with what changed. Whatever the changes
    /// between ticks (sessions added, removed, back under their old id, moved to another cephalon, emptied, blocked, in a turn or a cadence;
    /// ledgers settled, reweighted, set back or dropped; cephalons recapped; the clock set back; the same world
    /// scheduled twice), each tick's result equals the one from a memo built afresh from that tick's world.
    /// </summary>
    [Fact]
    public void Property_MemoCarriedAcrossTicks_GrantsAsAFreshMemoWould()
    {
        var gen = Gen.Select(Gen.Int[1, 3], Gen.Int[1, 12], Gen.UInt, Gen.Select(Gen.Int[0, 15], Gen.Int[0, 1_000], Gen.Int[0, 1_000]).Array[20, 120],
            (cephalons, sessions, seed, ops) => (cephalons, sessions, seed, ops));
        using var store = SqliteStore.InMemory();
        gen.Sample(p =>
        {
            var world = Mixed(p.cephalons, p.sessions, p.seed);
            var now = 1_000L;
            World? fork = null;
            var answers = new List<Event>();
            foreach (var (op, a, b) in p.ops)
            {
                now += 250;
                (world, now) = Mutate(world, op, a, b, now, store, ref fork);
                var begun = Schedule.BeginTick(world, now, [.. answers]);
                answers.Clear();
                var carried = SessionSchedulerSystem.Update(begun, store);
                var fresh = SessionSchedulerSystem.Update(begun with { SchedulerMemo = null }, store);
                var tick = $"tick {begun.Tick} after op {op} ({a}, {b})";
                Describe(carried.EventsOut).ShouldBe(Describe(fresh.EventsOut), tick);
                Describe(carried.Effects).ShouldBe(Describe(fresh.Effects), tick);
                WorldHash.Compute(carried).Hex.ShouldBe(WorldHash.Compute(fresh).Hex, tick);
                world = carried;
                // Play most grants the way cephalon.step does: reserve a call; answer some of them next tick.
                foreach (var g in world.EventsOut.OfType<SessionTurnGranted>())
                {
                    if ((g.Visit + b) % 5 == 0)
                        continue;
                    var effectId = $"{world.Tick}-{g.Session}";
                    world = world with { Ledgers = world.Ledgers.SetItem(g.Session, Budget.Reserve(world.Ledgers[g.Session], world.TimeMs, effectId, 100)) };
                    if ((g.Visit + a) % 3 != 0)
                    {
                        var meta = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal).Add("session", g.Session.ToString());
                        answers.Add(new LlmResponse(effectId, "ok", [], "stop", new LlmUsage(40, 10, false), 1, "m", "builtin") { Meta = meta });
                    }
                }
            }
        }, iter: 200);
    }

    [Fact]
    public void Property_BudgetAnswer_StandsUntilTheTimeItGives()
    {
        var gen = Gen.Select(Gen.Int[1, 4], Gen.Int[100, 600], Gen.Int[300, 2_000], Gen.Select(Gen.Int[0, 40_000], Gen.Int[10, 300]).Array[1, 12], Gen.Int[0, 100_000].Array[20],
            (calls, tpm, tpd, charges, probes) => (budgets: new SessionBudgets(calls, tpm, tpd), charges, probes));
        gen.Sample(p =>
        {
            var ledger = SessionLedger.Start(1);
            var now = Budget.DayMs - 90_000;
            foreach (var (advance, tokens) in p.charges)
            {
                now += advance;
                ledger = Budget.Settle(Budget.Reserve(ledger, now, $"e{now}", tokens), $"e{now}", tokens);
            }
            var answer = Budget.CanSpend(ledger, p.budgets, now, SessionSchedulerSystem.MinimumTurnTokens);
            var until = Budget.AnswerStandsUntil(ledger, now);
            until.ShouldBeGreaterThan(now);
            foreach (var probe in p.probes.Where(t => now + t < until))
                Budget.CanSpend(ledger, p.budgets, now + probe, SessionSchedulerSystem.MinimumTurnTokens).ShouldBe(answer, $"at now + {probe}, before {until - now}");
        }, iter: 300);
    }

    private static string Describe<T>(ImmutableArray<T> items) => string.Join("; ", items.Select(i => i?.ToString()));

    /// <summary>Cephalons with sessions in every state the scheduler tells apart, drawn from <paramref name="seed"/>.</summary>
    private static World Mixed(int cephalons, int sessionsEach, uint seed)
    {
        var random = new Random((int)seed);
        var world = World.Empty;
        for (var c = 0; c < cephalons; c++)
        {
            world = world.Spawn(out var cephalon);
            var members = ImmutableSortedSet.CreateBuilder<EntityId>();
            for (var s = 0; s < sessionsEach; s++)
            {
                world = world.Spawn(out var id);
                members.Add(id);
                var session = RandomSession(random, $"c{c}s{s}", cephalon);
                world = world with { Sessions = world.Sessions.Add(id, session) };
                if (random.Next(6) != 0)
                    world = world with { Ledgers = world.Ledgers.Add(id, SessionLedger.Start(1 + random.Next(4)) with { Pass = random.Next(3) * SessionSchedulerSystem.VirtualTurn }) };
            }
            var policy = new CephalonPolicy("builtin", MaxLlmCallsInFlight: 1 + random.Next(4));
            world = world with { Cephalons = world.Cephalons.Add(cephalon, new Cephalon($"c{c}", policy, ImmutableSortedDictionary<string, string>.Empty, members.ToImmutable())) };
        }
        return world;
    }

    private static Session RandomSession(Random random, string name, EntityId cephalon)
    {
        var budgets = random.Next(3) switch
        {
            0 => new SessionBudgets(LlmCallsPerMinute: 1000, TokensPerMinute: 1_000_000, TokensPerDay: 100_000_000),
            1 => new SessionBudgets(LlmCallsPerMinute: 2, TokensPerMinute: 1_000_000, TokensPerDay: 100_000_000),
            _ => new SessionBudgets(LlmCallsPerMinute: 1000, TokensPerMinute: 300, TokensPerDay: 100_000_000),
        };
        var status = random.Next(5) == 0 ? SessionStatus.Blocked : SessionStatus.Ready;
        var queue = random.Next(4) == 0 ? ImmutableArray<Event>.Empty : [Work];
        return new Session(name, cephalon, "c1-survival", SessionSubscriptions.None, queue, [], [], "", budgets, status)
        {
            Profile = SessionProfile.Default with { CadenceMs = random.Next(3) * 1_000 },
        };
    }

    /// <summary>One change between ticks, of the kind the other systems (or a restart, or a test) make.</summary>
    private static (World World, long Now) Mutate(World world, int op, int a, int b, long now, IStoreReader store, ref World? fork)
    {
        var ids = world.Sessions.Keys.ToArray();
        var cephalons = world.Cephalons.Keys.ToArray();
        if (ids.Length == 0)
            return (world, now);
        var id = ids[a % ids.Length];
        var session = world.Sessions[id];
        var ledger = world.Ledgers.GetValueOrDefault(id);
        var random = new Random(a * 1_000 + b);
        switch (op)
        {
            case 0:
                return (world with { Sessions = world.Sessions.SetItem(id, session with { Queue = session.Queue.IsEmpty ? [Work] : [] }) }, now);
            case 1:
                return (world with { Sessions = world.Sessions.SetItem(id, session with { Status = session.Status == SessionStatus.Ready ? SessionStatus.Blocked : SessionStatus.Ready }) }, now);
            case 2:
                return (world with { Sessions = world.Sessions.SetItem(id, session with { Cephalon = cephalons[b % cephalons.Length] }) }, now);
            case 3:
                return (world with { Sessions = world.Sessions.Remove(id), Ledgers = b % 2 == 0 ? world.Ledgers.Remove(id) : world.Ledgers }, now);
            case 4:
                world = world.Spawn(out var added);
                return (world with { Sessions = world.Sessions.Add(added, RandomSession(random, $"n{added}", cephalons[b % cephalons.Length])) }, now);
            case 5 when ledger is not null:
                return (world with { Ledgers = world.Ledgers.SetItem(id, ledger with { Weight = 1 + b % 5 }) }, now);
            case 6 when ledger is not null:
                return (world with { Ledgers = world.Ledgers.SetItem(id, ledger with { Pass = ledger.Pass - b * 1_000L }) }, now);
            case 7:
                return (world with { Ledgers = world.Ledgers.Remove(id) }, now);
            case 8:
                return (world with { Sessions = world.Sessions.SetItem(id, session with { LastTurnMs = now - b * 3, Turn = null }) }, now);
            case 9:
                var turn = new SessionTurn(b % 2 == 0 ? TurnPhase.Continuing : TurnPhase.Thinking, "", "q", "", [], 0, 0, now);
                return (world with { Sessions = world.Sessions.SetItem(id, session with { Turn = session.Turn is null ? turn : null }) }, now);
            case 10:
                var cephalon = cephalons[b % cephalons.Length];
                var recapped = world.Cephalons[cephalon] with { Policy = world.Cephalons[cephalon].Policy with { MaxLlmCallsInFlight = 1 + a % 5 } };
                return (world with { Cephalons = world.Cephalons.SetItem(cephalon, recapped) }, now);
            case 11:
                // The clock read back (a test, or a world restored by hand): the scheduler must not trust what it saw later.
                return (world, now - 1 - b);
            case 12:
                // Another continuation of the same world runs the scheduler on the shared memo, then this one goes on.
                fork ??= world;
                SessionSchedulerSystem.Update(Schedule.BeginTick(fork, now + b, []), store);
                fork = b % 2 == 0 ? null : fork;
                return (world, now);
            case 13:
                return (world, now + b * 100L);
            case 14 when world.Ledgers.Keys.Except(world.Sessions.Keys).FirstOrDefault() is { Value: > 0 } orphan:
                // A session comes back under its old id while its ledger stayed (removed earlier by op 3).
                return (world with { Sessions = world.Sessions.Add(orphan, RandomSession(random, $"back{orphan}", cephalons[b % cephalons.Length])) }, now);
            default:
                return (world, now);
        }
    }
}
