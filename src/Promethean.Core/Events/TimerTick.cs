
namespace Promethean.Core.Events;

/// <summary>A configured timer fired (seed 3.1).</summary>
[TypeName("timer/tick")]
public sealed record TimerTick(string Timer, long DueMs) : Event;
