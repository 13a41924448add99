namespace Promethean.Runtime;

/// <summary>Knobs of the tick loop and the effect runner.</summary>
public sealed class EngineOptions
{
    /// <summary>Most inbound events taken into one tick.</summary>
    public int MaxBatch { get; set; } = 1000;

    /// <summary>Capacity of the inbound queue; producers wait when it is full.</summary>
    public int InboundCapacity { get; set; } = 100_000;

    /// <summary>External effects in flight per effect type.</summary>
    public int MaxInFlightPerType { get; set; } = 8;

    /// <summary>Per-effect timeout in seconds.</summary>
    public double EffectTimeoutSeconds { get; set; } = 60;

    /// <summary>Write a full world snapshot every this many ticks (0: never past genesis).</summary>
    public int SnapshotEveryTicks { get; set; } = 1000;

    /// <summary>Journal per-system times as <c>debug/system-times</c> events. Off for scripted, comparable runs.</summary>
    public bool RecordSystemTimes { get; set; } = true;

    /// <summary>
    /// Scripted runs (imports) commit up to this many consecutive ticks in one SQLite transaction (group commit), as
    /// long as none of them has an external effect to dispatch; 1 commits every tick alone. The daemon loop always
    /// commits every tick alone.
    /// </summary>
    public int ScriptGroupTicks { get; set; } = 16;

    /// <summary>The longest a scripted tick waits in an open group before the group commits, in milliseconds.</summary>
    public double ScriptGroupMilliseconds { get; set; } = 1000;

    /// <summary>
    /// The daemon loop runs a gen 0 garbage collection after a tick's commit and dispatch once this many megabytes have
    /// been allocated since the last one, so collections seldom stop a tick midway (<see cref="BetweenTicksCollector"/>);
    /// 0 leaves collections to the runtime. Sized for the daemon's 32 MB gen 0 budget.
    /// </summary>
    public int CollectBetweenTicksMegabytes { get; set; } = 12;

    /// <summary>Seconds between status lines (tick rate, queue depth) on the console; 0 turns them off.</summary>
    public double StatusEverySeconds { get; set; } = 10;
}
