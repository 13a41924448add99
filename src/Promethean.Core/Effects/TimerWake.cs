namespace Promethean.Core.Effects;

/// <summary>
/// Ask to be woken at <see cref="DueMs"/> (wall time, ms since the epoch); answered by
/// <c>timer/wake.result</c>. This is how a pure system waits: debounce windows and retry backoff.
/// </summary>
[TypeName("timer/wake")]
public sealed record TimerWake(long DueMs) : Effect;
