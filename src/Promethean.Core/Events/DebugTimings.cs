using System.Collections.Immutable;

namespace Promethean.Core.Events;

/// <summary>
/// Per-system microseconds of an earlier tick, measured by the runtime and delivered as data so the
/// debug components stay replayable. Sent only alongside other inbound events, never on its own.
/// </summary>
[TypeName("debug/system-times")]
public sealed record DebugTimings(long OfTick, ImmutableSortedDictionary<string, long> Microseconds) : Event;
