using System.Collections.Immutable;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Promethean.Core;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Serialization;
using Promethean.Runtime.Taps;
using Promethean.Stores.Sqlite;

namespace Promethean.Runtime;

/// <summary>
/// The tick loop (DESIGN 2): takes a bounded batch of inbound events, stamps the time once, runs the
/// schedule, commits the journal row, store effects, outbox and world changes in one transaction,
/// then dispatches external effects whose outcomes come back as inbound events on a later tick.
/// </summary>
public sealed class Engine
{
    public const string ScriptCursor = "script";

    private readonly SqliteStore _store;
    private readonly ImmutableArray<ScheduledSystem> _systems;
    private readonly EffectDispatcher _dispatcher;
    private readonly EngineOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Channel<Event> _inbound;
    private World _world = World.Empty;
    /// <summary>The world of the last tick the store has committed; ahead of it, <see cref="_world"/> may be held in a group.</summary>
    private World _durable = World.Empty;
    private TickReport? _last;

    /// <summary>The batch the last tick began warming (its <c>upcoming</c>) and the warming's task.</summary>
    private (ImmutableArray<Event> Batch, Task Task) _warming = (default, Task.CompletedTask);
    private ImmutableArray<ITap> _taps = [];
    private long _statusAt;
    private long _statusTick;
    private int _groupTicks;
    private long _groupStarted;

    public Engine(SqliteStore store, ImmutableArray<ScheduledSystem> systems, EffectDispatcher dispatcher,
        EngineOptions options, TimeProvider time, ILogger log)
    {
        _store = store;
        _systems = systems;
        _dispatcher = dispatcher;
        _options = options;
        _time = time;
        _log = log;
        _inbound = Channel.CreateBounded<Event>(new BoundedChannelOptions(options.InboundCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        Inbound = new WarmingWriter(_inbound.Writer, () => _world.MemoryConfig);
    }

    public World World => _world;

    public TickReport? LastTick => _last;

    /// <summary>
    /// Where adapters and effect outcomes put events for the next ticks. Each event is warmed as it is written, on the
    /// writer's thread (<see cref="WarmingWriter"/>).
    /// </summary>
    public ChannelWriter<Event> Inbound { get; }

    public int InboundDepth => _inbound.Reader.Count;

    public int EffectsInFlight => _dispatcher.InFlight;

    /// <summary>Raised on the loop thread after each tick is written (a tick held in a group is durable when the group commits).</summary>
    public event Action<TickReport>? Committed;

    /// <summary>Adds an observer of the tap points (<see cref="TapPoints"/>); it sees each tick's world after the named systems.</summary>
    public void AddTap(ITap tap) => ImmutableInterlocked.Update(ref _taps, t => t.Add(tap));

    public void RemoveTap(ITap tap) => ImmutableInterlocked.Update(ref _taps, t => t.Remove(tap));

    /// <summary>
    /// Resumes from the last committed world, or records <paramref name="genesis"/> for a new data dir. A data dir journaled
    /// in another world-hash format is refused (<see cref="Replayer.CheckHashFormat"/>).
    /// </summary>
    public void Open(World genesis)
    {
        if (_store.HasWorld)
        {
            Replayer.CheckHashFormat(_store);
            _world = _durable = _store.LoadWorld();
            _log.LogInformation("resumed at tick {Tick}", _world.Tick);
        }
        else
        {
            _store.WriteGenesis(genesis);
            _world = _durable = genesis;
            _log.LogInformation("new world recorded as genesis");
        }
    }

    /// <summary>
    /// Runs and commits one tick. Synchronous: nothing else touches the world meanwhile. <paramref name="upcoming"/>, the
    /// events of the next tick when they are known already (a script's next line), are warmed on the other core while
    /// this tick commits (<see cref="TickHashing.Warm"/>), once this tick's hash is done; the tick that takes them waits
    /// for that warming to end before it starts, as it waits for a checkpoint begun beside the last commit
    /// (<see cref="SqliteStore.WaitCheckpointed"/>). With <paramref name="mayHold"/>,
    /// a tick with no external effect may be left in an open group transaction with the ticks after it
    /// (<see cref="EngineOptions.ScriptGroupTicks"/>); a tick with external effects always commits, with any ticks held
    /// before it, before its effects can be dispatched. <see cref="Flush"/> commits held ticks.
    /// </summary>
    public TickReport Step(ImmutableArray<Event> batch, long timeMs, ImmutableSortedDictionary<string, long>? cursors = null,
        ImmutableArray<Event> upcoming = default, bool mayHold = false)
    {
        _store.WaitCheckpointed();
        if (_warming.Batch == batch)
            TickHashing.WaitWarmed(_warming.Task);
        _warming = (default, Task.CompletedTask);
        var previous = _world;
        var world = Schedule.BeginTick(previous, Math.Max(timeMs, previous.TimeMs), batch);
        var lane = TickHashing.StartLane(world.EventsIn);
        var times = ImmutableSortedDictionary.CreateBuilder<string, long>(StringComparer.Ordinal);
        foreach (var system in _systems)
        {
            var before = world;
            var started = _time.GetTimestamp();
            world = system.Update(world, _store);
            times[system.Name] = (long)_time.GetElapsedTime(started).TotalMicroseconds;
            lane.After(before, world);
            if (!_taps.IsEmpty)
                Tap(system.Name, before, world);
        }
        var hashing = TickHashing.Start(world, previous, lane);
        if (!upcoming.IsDefaultOrEmpty)
            _warming = (upcoming, TickHashing.Warm(upcoming, world.MemoryConfig));
        var hold = mayHold && HoldInGroup(world);
        WorldHash hash;
        try
        {
            hash = _store.Commit(previous, world, hashing, cursors ?? TickCommit.NoCursors, hold);
        }
        catch
        {
            // The store rolled back this tick and any held before it: go on from what it has.
            _world = _durable;
            throw;
        }
        if (!hold)
            _durable = world;
        if (_options.SnapshotEveryTicks > 0 && world.Tick % _options.SnapshotEveryTicks == 0)
            _store.WriteSnapshot(world);
        _world = world;
        _last = new TickReport(world.Tick, world.TimeMs, batch.Length, world.EventsOut.Length, world.Effects, hash.Hex, times.ToImmutable());
        Committed?.Invoke(_last);
        return _last;
    }

    /// <summary>
    /// Whether <paramref name="world"/>'s tick may wait in the open group: it has no external effect, and the group
    /// is younger and smaller than <see cref="EngineOptions.ScriptGroupTicks"/> and its time limit allow.
    /// </summary>
    private bool HoldInGroup(World world)
    {
        if (!_store.HoldsTicks)
        {
            _groupTicks = 0;
            _groupStarted = _time.GetTimestamp();
        }
        _groupTicks++;
        return _groupTicks < _options.ScriptGroupTicks
            && _time.GetElapsedTime(_groupStarted).TotalMilliseconds < _options.ScriptGroupMilliseconds
            && world.Effects.All(e => e.IsStoreEffect);
    }

    /// <summary>Commits ticks held in an open group (<see cref="Step"/> with <c>mayHold</c>).</summary>
    public void Flush()
    {
        try
        {
            _store.Flush();
        }
        catch
        {
            _world = _durable;
            throw;
        }
        _durable = _world;
    }

    /// <summary>
    /// The daemon loop: waits for inbound events (no busy loop when idle), ticks, dispatches. On
    /// cancellation the tick in progress commits first, then the loop returns.
    /// </summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        foreach (var pending in _store.PendingOutbox())
            DispatchToInbound(pending.Effect, stopping);

        using var status = _options.StatusEverySeconds > 0
            ? _time.CreateTimer(_ => LogStatus(), null, TimeSpan.FromSeconds(_options.StatusEverySeconds), TimeSpan.FromSeconds(_options.StatusEverySeconds))
            : null;

        var collector = new BetweenTicksCollector((long)_options.CollectBetweenTicksMegabytes << 20);
        while (true)
        {
            Event first;
            try
            {
                first = await _inbound.Reader.ReadAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            var batch = ImmutableArray.CreateBuilder<Event>(Math.Min(_options.MaxBatch, _inbound.Reader.Count + 2));
            batch.Add(first);
            while (batch.Count < _options.MaxBatch && _inbound.Reader.TryRead(out var more))
                batch.Add(more);
            if (_options.RecordSystemTimes && _last is not null)
                batch.Add(new DebugTimings(_last.Tick, _last.SystemMicroseconds));

            var report = Step(batch.ToImmutable(), _time.GetUtcNow().ToUnixTimeMilliseconds());
            foreach (var effect in report.ExternalEffects)
                DispatchToInbound(effect, stopping);
            collector.CollectIfDue();
            MaintainWhileIdle();
        }
        _log.LogInformation("stopped after committing tick {Tick}", _world.Tick);
    }

    /// <summary>Pages the keyword index merges per step while idle: ~1-2 ms of work, the longest an arriving event waits for it.</summary>
    private const int IdleMergePages = 32;

    /// <summary>
    /// Store upkeep between ticks: merges the keyword index's segments a step at a time while no event waits, at most
    /// ~20 ms in one go, so a merge seldom lands inside a commit (docs/memory.md, "Memory store").
    /// </summary>
    private void MaintainWhileIdle()
    {
        var started = _time.GetTimestamp();
        try
        {
            while (_inbound.Reader.Count == 0 && _time.GetElapsedTime(started) < TimeSpan.FromMilliseconds(20) && _store.MergeKeywordIndex(IdleMergePages))
            {
            }
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            // Upkeep only: the next idle moment tries again, and the index's crisis merge bounds it meanwhile.
            _log.LogWarning(e, "keyword index merge failed");
        }
    }

    /// <summary>
    /// Lockstep run over a scripted input: each script line is one tick, and the outcomes of a tick's
    /// effects are awaited and delivered, sorted by effect id, at the head of the next tick. Resumes
    /// after the last committed line, so a killed run restarted gives the same hashes as an unbroken one.
    /// </summary>
    public async Task RunScriptAsync(IEnumerable<ScriptLine> script, CancellationToken stopping, string cursorName = ScriptCursor)
    {
        var cursor = _store.Cursor(cursorName);
        var outcomes = await DispatchAllAsync(_store.PendingOutbox().Select(p => p.Effect), stopping);
        using var lines = script.Skip(checked((int)cursor)).GetEnumerator();
        var line = lines.MoveNext() ? lines.Current : null;
        try
        {
            while (line is not null)
            {
                if (stopping.IsCancellationRequested)
                    return;
                // The next line's events are known now: what they hash to and what ingest derives from them alone is
                // computed on the other core while this tick commits.
                var next = lines.MoveNext() ? lines.Current : null;
                cursor++;
                // Ticks without external effects commit in groups (the cursor with them), so a crash resumes after
                // the last whole group; a tick with effects commits before they are dispatched.
                var report = Step([.. outcomes, .. line.Events], line.TimeMs, ImmutableSortedDictionary<string, long>.Empty.Add(cursorName, cursor),
                    next?.Events ?? default, mayHold: true);
                outcomes = await DispatchAllAsync(report.ExternalEffects, stopping);
                line = next;
            }
        }
        finally
        {
            // Stopped, finished or failed: every tick that ran is kept.
            Flush();
        }
        await SettleAsync(outcomes, stopping);
    }

    /// <summary>
    /// One-off work, such as a report asked for on the command line: effects left pending by an earlier run
    /// are run first, then these events make one tick at <paramref name="timeMs"/>, then the outcomes of its
    /// effects, and of theirs, are delivered tick by tick until nothing is pending.
    /// </summary>
    public async Task RunOnceAsync(ImmutableArray<Event> events, long timeMs, CancellationToken stopping)
    {
        var outcomes = await DispatchAllAsync(_store.PendingOutbox().Select(p => p.Effect), stopping);
        var report = Step([.. outcomes, .. events], Math.Max(timeMs, _world.TimeMs));
        await SettleAsync(await DispatchAllAsync(report.ExternalEffects, stopping), stopping);
    }

    private async Task SettleAsync(ImmutableArray<Event> outcomes, CancellationToken stopping)
    {
        while (!outcomes.IsEmpty && !stopping.IsCancellationRequested)
        {
            var report = Step(outcomes, _world.TimeMs);
            outcomes = await DispatchAllAsync(report.ExternalEffects, stopping);
        }
    }

    private async Task<ImmutableArray<Event>> DispatchAllAsync(IEnumerable<Effect> effects, CancellationToken stopping)
    {
        var results = await Task.WhenAll(effects.Select(e => _dispatcher.DispatchAsync(e, stopping)));
        return [.. results.OrderBy(e => ((IEffectOutcome)e).EffectId, StringComparer.Ordinal)];
    }

    private void DispatchToInbound(Effect effect, CancellationToken stopping) =>
        _ = Task.Run(async () =>
        {
            var outcome = await _dispatcher.DispatchAsync(effect, stopping);
            if (stopping.IsCancellationRequested)
                return;
            try
            {
                await Inbound.WriteAsync(outcome, stopping);
            }
            catch (OperationCanceledException)
            {
                // The outbox row stays pending and is dispatched again on the next start.
            }
        }, CancellationToken.None);

    private void Tap(string system, World before, World after)
    {
        foreach (var point in TapPoints.After(system, before, after))
        {
            foreach (var tap in _taps)
            {
                try
                {
                    tap.Observe(point);
                }
                catch (Exception e)
                {
                    // An observer must never stop the tick it watches.
                    _log.LogWarning(e, "tap observer {Observer} failed at {Tap}", tap.GetType().Name, point.Name);
                }
            }
        }
    }

    private void LogStatus()
    {
        var tick = _world.Tick;
        var now = _time.GetTimestamp();
        var seconds = _statusAt == 0 ? _options.StatusEverySeconds : _time.GetElapsedTime(_statusAt, now).TotalSeconds;
        var rate = (tick - _statusTick) / Math.Max(seconds, 1e-3);
        _statusAt = now;
        _statusTick = tick;
        _log.LogInformation("tick {Tick} | {Rate:0.0} ticks/s | inbound queue {Depth} | effects in flight {InFlight} | last tick {Micros} µs",
            tick, rate, InboundDepth, EffectsInFlight, _last?.SystemMicroseconds.Values.Sum() ?? 0);
    }

}
