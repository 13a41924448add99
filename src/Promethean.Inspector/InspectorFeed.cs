using System.Collections.Immutable;
using Promethean.Core;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Runtime;
using Promethean.Runtime.Taps;
using Promethean.Runtime.Telemetry;

namespace Promethean.Inspector;

/// <summary>
/// The loop-thread side of the inspector: on each commit it swaps in references to the committed
/// world and report (immutable, so the web threads read them without locks or store access), keeps
/// the latest assembled context, a bounded history of per-system times and a bounded ring of tap
/// summaries. Nothing here changes the world.
/// </summary>
public sealed class InspectorFeed : ITap, IDisposable
{
    public const int TimesHistory = 120;
    public const int TapHistory = 40;
    private const int TapLines = 8;

    private readonly Engine _engine;
    private readonly Lock _gate = new();
    private readonly Queue<TickTimes> _times = new();
    private readonly Queue<TapSummary> _taps = new();
    private World _world;
    private TickReport? _last;
    private AssembledContext? _context;

    public InspectorFeed(Engine engine, TimeProvider time)
    {
        _engine = engine;
        _world = engine.World;
        _last = engine.LastTick;
        Rate = new TickRate(time);
        engine.Committed += OnCommitted;
        engine.AddTap(this);
    }

    public TickRate Rate { get; }

    public World World => Volatile.Read(ref _world);

    public TickReport? LastTick => Volatile.Read(ref _last);

    /// <summary>The latest <c>llm/chat</c> effect: the context cephalon.step assembled last.</summary>
    public AssembledContext? Context => Volatile.Read(ref _context);

    public int InboundDepth => _engine.InboundDepth;

    public int EffectsInFlight => _engine.EffectsInFlight;

    public IReadOnlyList<TickTimes> Times
    {
        get
        {
            lock (_gate)
                return [.. _times];
        }
    }

    public IReadOnlyList<TapSummary> Taps
    {
        get
        {
            lock (_gate)
                return [.. _taps];
        }
    }

    public void Observe(TapPoint point)
    {
        var summary = new TapSummary(point.Name, point.AfterSystem, point.Tick, point.EventCount, point.EffectCount,
            [.. point.Events.TakeLast(TapLines).Select(Describe)],
            [.. point.Effects.TakeLast(TapLines).Select(e => $"{e.Type} {e.Id}")]);
        lock (_gate)
        {
            _taps.Enqueue(summary);
            while (_taps.Count > TapHistory)
                _taps.Dequeue();
        }
    }

    private void OnCommitted(TickReport report)
    {
        Volatile.Write(ref _world, _engine.World);
        Volatile.Write(ref _last, report);
        Rate.Record(report.Tick);
        var chat = report.Effects.OfType<LlmChat>().LastOrDefault();
        if (chat is not null)
            Volatile.Write(ref _context, new AssembledContext(report.Tick, chat));
        lock (_gate)
        {
            _times.Enqueue(new TickTimes(report.Tick, report.SystemMicroseconds));
            while (_times.Count > TimesHistory)
                _times.Dequeue();
        }
    }

    private static string Describe(Event e) => e switch
    {
        IEffectOutcome o => $"{e.Type} {o.EffectId}",
        DiscordMessageNew m => $"{e.Type} #{m.ChannelId} {m.AuthorName}",
        DiscordMessageImported i => $"{e.Type} #{i.Message.ChannelId} {i.Message.AuthorName}",
        MemoryCreated m => $"{e.Type} {m.MemoryId[..Math.Min(12, m.MemoryId.Length)]}",
        _ => e.Type,
    };

    public void Dispose()
    {
        _engine.Committed -= OnCommitted;
        _engine.RemoveTap(this);
    }
}

/// <summary>Per-system microseconds of one committed tick, as the runtime measured them.</summary>
public sealed record TickTimes(long Tick, ImmutableSortedDictionary<string, long> Microseconds);

/// <summary>A bounded, printable summary of one tap point.</summary>
public sealed record TapSummary(string Name, string AfterSystem, long Tick, int EventCount, int EffectCount,
    ImmutableArray<string> Events, ImmutableArray<string> Effects);

/// <summary>The last <c>llm/chat</c> effect and the tick that emitted it.</summary>
public sealed record AssembledContext(long Tick, LlmChat Chat);
