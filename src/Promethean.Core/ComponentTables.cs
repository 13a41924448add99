using System.Collections.Immutable;
using Promethean.Core.Components;

namespace Promethean.Core;

/// <summary>
/// The world's component tables by name, so hashing, persistence and diffing treat them uniformly.
/// Adding a component type means adding its property on <see cref="World"/> and one line here.
/// </summary>
public static class ComponentTables
{
    public static readonly ImmutableArray<ComponentTable> All =
    [
        new ComponentTable<Cephalon>("cephalon", w => w.Cephalons, (w, t) => w with { Cephalons = t }),
        new ComponentTable<Session>("session", w => w.Sessions, (w, t) => w with { Sessions = t }),
        new ComponentTable<SessionLedger>("session/ledger", w => w.Ledgers, (w, t) => w with { Ledgers = t }),
        new ComponentTable<Sentinel>("sentinel", w => w.Sentinels, (w, t) => w with { Sentinels = t }),
        new ComponentTable<SentinelSettings>("sentinel/settings", w => w.SentinelSettings, (w, t) => w with { SentinelSettings = t }),
        new ComponentTable<MemoryMirror>("memory", w => w.Memories, (w, t) => w with { Memories = t }),
        new ComponentTable<Job>("job", w => w.Jobs, (w, t) => w with { Jobs = t }),
        new ComponentTable<DaimoiWalker>("daimoi", w => w.Walkers, (w, t) => w with { Walkers = t }),
        new ComponentTable<OlympiaMetrics>("olympia", w => w.Olympia, (w, t) => w with { Olympia = t }),
        new ComponentTable<DebugCounters>("debug/counters", w => w.Counters, (w, t) => w with { Counters = t }),
        new ComponentTable<DebugLastEvents>("debug/last-events", w => w.LastEvents, (w, t) => w with { LastEvents = t }),
        new ComponentTable<DebugSystemTimes>("debug/system-times", w => w.SystemTimes, (w, t) => w with { SystemTimes = t }),
        new ComponentTable<MemorySettings>("memory/settings", w => w.MemorySettings, (w, t) => w with { MemorySettings = t }),
        new ComponentTable<OlympiaSettings>("olympia/settings", w => w.OlympiaSettings, (w, t) => w with { OlympiaSettings = t }),
    ];

    public static ComponentTable ByName(string name) =>
        All.FirstOrDefault(t => t.Name == name) ?? throw new KeyNotFoundException($"unknown component table '{name}'");
}

/// <summary>One component type's sorted map inside the world.</summary>
public abstract class ComponentTable(string name, Type componentType)
{
    public string Name { get; } = name;
    public Type ComponentType { get; } = componentType;

    /// <summary>The table object itself; unchanged tables keep the same reference across ticks.</summary>
    public abstract object Reference(World world);

    public abstract IEnumerable<KeyValuePair<EntityId, object>> Entries(World world);

    public abstract object? Get(World world, EntityId id);

    public abstract World Set(World world, EntityId id, object component);

    public abstract World Remove(World world, EntityId id);

    /// <summary>The entries that differ between two worlds' tables, in entity order (see <see cref="ComponentDiff"/>).</summary>
    public abstract IEnumerable<ComponentChange> Changes(World previous, World next);
}

public sealed class ComponentTable<T>(
    string name,
    Func<World, ImmutableSortedDictionary<EntityId, T>> get,
    Func<World, ImmutableSortedDictionary<EntityId, T>, World> set) : ComponentTable(name, typeof(T))
    where T : Component
{
    public override object Reference(World world) => get(world);

    public override IEnumerable<KeyValuePair<EntityId, object>> Entries(World world) =>
        get(world).Select(kv => new KeyValuePair<EntityId, object>(kv.Key, kv.Value));

    public override object? Get(World world, EntityId id) => get(world).GetValueOrDefault(id);

    public override World Set(World world, EntityId id, object component) => set(world, get(world).SetItem(id, (T)component));

    public override World Remove(World world, EntityId id) => set(world, get(world).Remove(id));

    public override IEnumerable<ComponentChange> Changes(World previous, World next)
    {
        var changes = new List<(EntityId Key, T? Before, T? After)>();
        SortedTreeDiff.Changes(get(previous), get(next), changes);
        return changes.Select(c => new ComponentChange(this, c.Key, c.Before, c.After));
    }
}
