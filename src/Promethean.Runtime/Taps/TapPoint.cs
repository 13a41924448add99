using System.Collections.Immutable;
using Promethean.Core;
using Promethean.Core.Effects;
using Promethean.Core.Events;

namespace Promethean.Runtime.Taps;

/// <summary>
/// The world right after a named system ran, with the events and effects that matter at this tap
/// (at most <see cref="TapPoints.MaxItems"/> of each, the latest kept) and how many there were in all.
/// </summary>
public sealed record TapPoint(
    string Name,
    string AfterSystem,
    long Tick,
    World World,
    ImmutableArray<Event> Events,
    ImmutableArray<Effect> Effects,
    int EventCount,
    int EffectCount);
