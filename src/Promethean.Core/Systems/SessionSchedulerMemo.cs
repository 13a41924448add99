using System.Collections.Immutable;
using Promethean.Core.Components;

namespace Promethean.Core.Systems;

/// <summary>
/// What session.scheduler knows of the sessions and ledgers it last scheduled: per cephalon, its calls in flight, its
/// virtual time and its waiting sessions in id order; per session, the facts the scheduler reads from it and its ledger.
/// <para>
/// It is not state. It reflects the tables it last saw (<see cref="Sync"/> keeps them), and each tick it is brought up to
/// date with the entries that differ between those and the tick's, found by <see cref="SortedTreeDiff"/>: a quiet tick
/// costs nothing and a busy one what changed, where a walk of a thousand sessions and their ledgers cost 30 µs every
/// tick. From nothing (a new world, a restored snapshot, another cephalon set, a clock that went back) it reads the
/// whole tables as one big change, so what it holds is the same either way. The world carries it from tick to tick
/// outside the hash and the snapshots (<see cref="World.SchedulerMemo"/>); it holds no more than a function of the
/// tables it reflects, so a replay that builds its own makes the same grants.
/// </para>
/// </summary>
internal sealed class SessionSchedulerMemo
{
    private readonly Dictionary<EntityId, Member> _members = [];
    private readonly List<(EntityId Key, Session? Before, Session? After)> _sessionChanges = [];
    private readonly List<(EntityId Key, SessionLedger? Before, SessionLedger? After)> _ledgerChanges = [];
    private ImmutableSortedDictionary<EntityId, Cephalon>? _cephalons;
    private ImmutableSortedDictionary<EntityId, Session> _sessions = ImmutableSortedDictionary<EntityId, Session>.Empty;
    private ImmutableSortedDictionary<EntityId, SessionLedger> _ledgers = ImmutableSortedDictionary<EntityId, SessionLedger>.Empty;
    private long _nowMs = long.MinValue;
    private long _stamp;

    /// <summary>The cephalons in id order, the order their slots are filled in.</summary>
    public Line[] Lines { get; private set; } = [];

    /// <summary>
    /// A number of its own for this tick, so that <see cref="Member.Out"/> marks a session out for this tick only.
    /// </summary>
    public long Stamp => _stamp;

    /// <summary>
    /// Brings the memo up to <paramref name="world"/>'s cephalons and sessions and the <paramref name="settled"/> ledgers
    /// (the tick's, with this tick's answers settled), adding a fresh ledger to <paramref name="ledgers"/> for each session
    /// that has none. A session that changed and waits only for its cadence to end goes into <paramref name="wakes"/>, in
    /// id order; one that did not change cannot need a wake (the scheduler's last output asked for its due time, or its
    /// due time has passed, and the clock does not go back).
    /// </summary>
    public void Sync(
        World world, ImmutableSortedDictionary<EntityId, SessionLedger> settled, ImmutableSortedDictionary<EntityId, SessionLedger>.Builder ledgers,
        List<(EntityId Id, Session Session)> wakes)
    {
        if (!ReferenceEquals(world.Cephalons, _cephalons) || world.TimeMs < _nowMs)
            Reset(world.Cephalons);
        _nowMs = world.TimeMs;
        _stamp++;
        _sessionChanges.Clear();
        _ledgerChanges.Clear();
        SortedTreeDiff.Changes(_sessions, world.Sessions, _sessionChanges);
        SortedTreeDiff.Changes(_ledgers, settled, _ledgerChanges);

        // Both lists are in id order: merge them so each changed session is refreshed once, in id order.
        int s = 0, l = 0;
        while (s < _sessionChanges.Count || l < _ledgerChanges.Count)
        {
            var order = s == _sessionChanges.Count ? 1 : l == _ledgerChanges.Count ? -1 : _sessionChanges[s].Key.CompareTo(_ledgerChanges[l].Key);
            var id = order <= 0 ? _sessionChanges[s].Key : _ledgerChanges[l].Key;
            _members.TryGetValue(id, out var member);
            var session = order <= 0 ? _sessionChanges[s++].After : member?.Session;
            // A session that changed alone keeps its ledger: the member's, or for a session new to the memo (a new
            // id, or one that comes back while its ledger stayed) the tick's.
            var ledger = order >= 0 ? _ledgerChanges[l++].After : member?.Ledger ?? settled.GetValueOrDefault(id);
            if (session is null)
            {
                // No session (removed, or a ledger of none): nothing to schedule.
                if (member is not null)
                {
                    Leave(member);
                    _members.Remove(id);
                }
                continue;
            }
            if (ledger is null)
            {
                ledger = SessionLedger.Start(1);
                ledgers[id] = ledger;
            }
            if (member is null)
            {
                member = new Member(id, session, ledger);
                _members.Add(id, member);
            }
            Refresh(member, session, ledger);
            if (order <= 0 && NeedsWake(session, world.TimeMs))
                wakes.Add((id, session));
        }
        foreach (var line in Lines)
        {
            if (line.Stale)
                Recount(line);
        }
    }

    /// <summary>Records the tables of the tick's result as those the memo reflects, once its grants and wakes are in.</summary>
    public void Seal(World next)
    {
        _sessions = next.Sessions;
        _ledgers = next.Ledgers;
    }

    /// <summary>Records a grant: the session's new ledger, which the tick's result holds.</summary>
    public static void Granted(Line line, Member member, SessionLedger ledger, long start)
    {
        member.Ledger = ledger;
        member.Contribution = ledger.Pass - SessionSchedulerSystem.Stride(ledger.Weight);
        line.VirtualTime = Math.Max(line.VirtualTime, start);
    }

    /// <summary>Records the session a wake put in the tick's result (its due time set; nothing the scheduler reads).</summary>
    public void Woken(EntityId id, Session session)
    {
        if (_members.TryGetValue(id, out var member))
            member.Session = session;
    }

    private void Reset(ImmutableSortedDictionary<EntityId, Cephalon> cephalons)
    {
        _cephalons = cephalons;
        _members.Clear();
        _sessions = ImmutableSortedDictionary<EntityId, Session>.Empty;
        _ledgers = ImmutableSortedDictionary<EntityId, SessionLedger>.Empty;
        var lines = new Line[cephalons.Count];
        var c = 0;
        foreach (var (id, cephalon) in cephalons)
            lines[c++] = new Line(id, cephalon.Policy.MaxLlmCallsInFlight);
        Lines = lines;
    }

    /// <summary>Moves a session's facts to its current session and ledger, keeping its cephalon's counts.</summary>
    private void Refresh(Member member, Session session, SessionLedger ledger)
    {
        var was = member.Line;
        var index = IndexOf(session.Cephalon, was);
        var contribution = ledger.Pass - SessionSchedulerSystem.Stride(ledger.Weight);
        var inFlight = ledger.InFlightEffect is not null;
        var waits = !inFlight && session.Status == SessionStatus.Ready && HasWork(session);
        if (was >= 0)
        {
            var line = Lines[was];
            if (member.InFlight)
                line.InFlight--;
            if (member.Waits && (was != index || !waits))
                line.Remove(member);
            if ((was != index || contribution < member.Contribution) && member.Contribution >= line.VirtualTime)
                line.Stale = true;
        }
        if (index >= 0)
        {
            var line = Lines[index];
            if (inFlight)
                line.InFlight++;
            if (waits && !(member.Waits && was == index))
                line.Insert(member);
            if (!line.Stale)
                line.VirtualTime = Math.Max(line.VirtualTime, contribution);
        }
        member.Line = index;
        member.Session = session;
        member.Ledger = ledger;
        member.Contribution = contribution;
        member.InFlight = inFlight;
        member.Waits = waits;
        member.BrokeUntilMs = long.MinValue;
        member.DueMs = session.Turn is not null || session.LastTurnMs == 0 ? long.MinValue : session.LastTurnMs + session.Profile.CadenceMs;
    }

    /// <summary>Takes a removed session out of its cephalon's counts; the virtual time is recounted if it may have been the latest.</summary>
    private void Leave(Member member)
    {
        if (member.Line < 0)
            return;
        var line = Lines[member.Line];
        if (member.InFlight)
            line.InFlight--;
        if (member.Waits)
            line.Remove(member);
        if (member.Contribution >= line.VirtualTime)
            line.Stale = true;
        member.Line = -1;
    }

    /// <summary>The virtual time of a cephalon whose latest pass may have gone: the latest of its sessions' (rare).</summary>
    private void Recount(Line line)
    {
        var index = Array.IndexOf(Lines, line);
        var time = long.MinValue;
        foreach (var member in _members.Values)
        {
            if (member.Line == index)
                time = Math.Max(time, member.Contribution);
        }
        line.VirtualTime = time;
        line.Stale = false;
    }

    private int IndexOf(EntityId cephalon, int hint)
    {
        if (hint >= 0 && Lines[hint].Id == cephalon)
            return hint;
        for (var i = 0; i < Lines.Length; i++)
        {
            if (Lines[i].Id == cephalon)
                return i;
        }
        return -1;
    }

    /// <summary>
    /// A session with work that waits only for its cadence needs a tick when the cadence is over; nothing else may
    /// bring one, so the scheduler asks for a wake at that time (once per due time).
    /// </summary>
    private static bool NeedsWake(Session session, long nowMs)
    {
        if (session.Status != SessionStatus.Ready || session.Turn is not null || session.Queue.IsEmpty || session.LastTurnMs == 0)
            return false;
        var due = session.LastTurnMs + session.Profile.CadenceMs;
        return due > nowMs && session.WakeAtMs != due;
    }

    private static bool HasWork(Session session) =>
        !session.Queue.IsEmpty || session.Turn is { Phase: TurnPhase.Continuing };

    /// <summary>
    /// A cephalon: its cap, calls in flight, virtual time (the latest of its sessions' passes less their stride: the
    /// start of the latest turn granted in it) and the sessions that wait for a turn but for their cadence and budget.
    /// </summary>
    internal sealed class Line(EntityId id, int cap)
    {
        private readonly List<Member> _waiting = [];

        public EntityId Id { get; } = id;

        public int Cap { get; } = cap;

        public int InFlight { get; set; }

        public long VirtualTime { get; set; } = long.MinValue;

        /// <summary>The session with the latest pass left or fell back: <see cref="VirtualTime"/> needs a recount.</summary>
        public bool Stale { get; set; }

        /// <summary>Ready, with work and no call in flight, in id order (the order that keeps ties).</summary>
        public List<Member> Waiting => _waiting;

        public void Insert(Member member)
        {
            var at = Find(member.Id);
            _waiting.Insert(~at, member);
        }

        public void Remove(Member member) => _waiting.RemoveAt(Find(member.Id));

        private int Find(EntityId id)
        {
            int lo = 0, hi = _waiting.Count - 1;
            while (lo <= hi)
            {
                var mid = (lo + hi) >>> 1;
                var order = _waiting[mid].Id.CompareTo(id);
                if (order == 0)
                    return mid;
                if (order < 0)
                    lo = mid + 1;
                else
                    hi = mid - 1;
            }
            return ~lo;
        }
    }

    /// <summary>A session as the scheduler reads it.</summary>
    internal sealed class Member(EntityId id, Session session, SessionLedger ledger)
    {
        public EntityId Id { get; } = id;

        public Session Session { get; set; } = session;

        public SessionLedger Ledger { get; set; } = ledger;

        /// <summary>Index of its cephalon in <see cref="Lines"/>, or -1 when that is not a cephalon of the world.</summary>
        public int Line { get; set; } = -1;

        /// <summary>Its pass less its stride: what it adds to its cephalon's virtual time.</summary>
        public long Contribution { get; set; }

        public bool InFlight { get; set; }

        /// <summary>In its cephalon's <see cref="Line.Waiting"/>.</summary>
        public bool Waits { get; set; }

        /// <summary>When its cadence lets a new turn start; <see cref="long.MinValue"/> when it need not wait.</summary>
        public long DueMs { get; set; }

        /// <summary>
        /// Found out of budget: when that answer may change (<see cref="Budget.AnswerStandsUntil"/>); reset by any change
        /// of its session or ledger.
        /// </summary>
        public long BrokeUntilMs { get; set; } = long.MinValue;

        /// <summary>The <see cref="Stamp"/> of the tick it was granted in or found out of budget.</summary>
        public long Out { get; set; }
    }
}
