using System.Collections.Immutable;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;

namespace Promethean.Core;

/// <summary>
/// The immutable simulation state (seed section 1). Systems take a world and return a new one; the
/// runtime stamps <see cref="Tick"/>, <see cref="TimeMs"/> and <see cref="EventsIn"/> before the systems run.
/// </summary>
public sealed record World
{
    public static readonly World Empty = new();

    public long Tick { get; init; }

    /// <summary>Wall time of this tick, read once by the runtime. The only clock a system may look at.</summary>
    public long TimeMs { get; init; }

    /// <summary>Next entity id to allocate; ids are never reused.</summary>
    public long NextEntityId { get; init; } = 1;

    public ImmutableArray<Event> EventsIn { get; init; } = [];
    public ImmutableArray<Event> EventsOut { get; init; } = [];
    public ImmutableArray<Effect> Effects { get; init; } = [];

    public ImmutableSortedDictionary<EntityId, Cephalon> Cephalons { get; init; } = ImmutableSortedDictionary<EntityId, Cephalon>.Empty;
    public ImmutableSortedDictionary<EntityId, Session> Sessions { get; init; } = ImmutableSortedDictionary<EntityId, Session>.Empty;
    public ImmutableSortedDictionary<EntityId, Sentinel> Sentinels { get; init; } = ImmutableSortedDictionary<EntityId, Sentinel>.Empty;
    public ImmutableSortedDictionary<EntityId, SentinelSettings> SentinelSettings { get; init; } = ImmutableSortedDictionary<EntityId, SentinelSettings>.Empty;
    public ImmutableSortedDictionary<EntityId, MemoryMirror> Memories { get; init; } = ImmutableSortedDictionary<EntityId, MemoryMirror>.Empty;
    public ImmutableSortedDictionary<EntityId, Job> Jobs { get; init; } = ImmutableSortedDictionary<EntityId, Job>.Empty;
    public ImmutableSortedDictionary<EntityId, SessionLedger> Ledgers { get; init; } = ImmutableSortedDictionary<EntityId, SessionLedger>.Empty;
    public ImmutableSortedDictionary<EntityId, OlympiaMetrics> Olympia { get; init; } = ImmutableSortedDictionary<EntityId, OlympiaMetrics>.Empty;
    public ImmutableSortedDictionary<EntityId, DaimoiWalker> Walkers { get; init; } = ImmutableSortedDictionary<EntityId, DaimoiWalker>.Empty;
    public ImmutableSortedDictionary<EntityId, DebugCounters> Counters { get; init; } = ImmutableSortedDictionary<EntityId, DebugCounters>.Empty;
    public ImmutableSortedDictionary<EntityId, DebugLastEvents> LastEvents { get; init; } = ImmutableSortedDictionary<EntityId, DebugLastEvents>.Empty;
    public ImmutableSortedDictionary<EntityId, DebugSystemTimes> SystemTimes { get; init; } = ImmutableSortedDictionary<EntityId, DebugSystemTimes>.Empty;
    public ImmutableSortedDictionary<EntityId, MemorySettings> MemorySettings { get; init; } = ImmutableSortedDictionary<EntityId, MemorySettings>.Empty;
    public ImmutableSortedDictionary<EntityId, OlympiaSettings> OlympiaSettings { get; init; } = ImmutableSortedDictionary<EntityId, OlympiaSettings>.Empty;

    /// <summary>
    /// session.scheduler's memo of the sessions and ledgers it last scheduled (<see cref="Systems.SessionSchedulerMemo"/>).
    /// Not state: outside the hash and the snapshots, a function of the tables it reflects, rebuilt when missing.
    /// </summary>
    internal Systems.SessionSchedulerMemo? SchedulerMemo { get; init; }

    /// <summary>The job table's index for the systems that query it (<see cref="Systems.JobIndex"/>); not state either.</summary>
    internal Systems.JobIndex? JobMemo { get; init; }

    /// <summary>This world carrying <paramref name="index"/> as its job index.</summary>
    internal World WithJobMemo(Systems.JobIndex index) => ReferenceEquals(JobMemo, index) ? this : this with { JobMemo = index };

    /// <summary>The memory pipeline settings written at genesis, or the defaults.</summary>
    public MemorySettings MemoryConfig => MemorySettings.IsEmpty ? Components.MemorySettings.Default : MemorySettings.First().Value;

    /// <summary>The token prices written at genesis, or none.</summary>
    public OlympiaSettings Prices => OlympiaSettings.IsEmpty ? Components.OlympiaSettings.None : OlympiaSettings.First().Value;

    /// <summary>Allocates a fresh entity id.</summary>
    public World Spawn(out EntityId id)
    {
        id = new EntityId(NextEntityId);
        return this with { NextEntityId = NextEntityId + 1 };
    }

    /// <summary>Appends an event for adapters and for the systems later in this tick's schedule.</summary>
    public World Emit(Event e) => this with { EventsOut = EventsOut.Add(e) };

    public World Emit(IReadOnlyCollection<Event> events) =>
        events.Count == 0 ? this : this with { EventsOut = EventsOut.AddRange(events) };

    /// <summary>Appends an effect, giving it the deterministic id <c>{tick}-{seq}</c>.</summary>
    public World Do(Effect effect) =>
        this with { Effects = Effects.Add(effect with { Id = EffectId(Effects.Length) }) };

    public World Do(IReadOnlyCollection<Effect> effects)
    {
        if (effects.Count == 0)
            return this;
        var builder = Effects.ToBuilder();
        foreach (var effect in effects)
            builder.Add(effect with { Id = EffectId(builder.Count) });
        return this with { Effects = builder.ToImmutable() };
    }

    /// <summary>This tick's events: those that came in, then those emitted so far by earlier systems.</summary>
    public IEnumerable<Event> EventsThisTick => EventsIn.Concat(EventsOut);

    private string EffectId(int seq) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Tick}-{seq}");
}
