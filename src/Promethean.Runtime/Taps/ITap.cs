namespace Promethean.Runtime.Taps;

/// <summary>
/// Observes the world at the seed's tap points (section 12.2) while a tick runs. Called on the loop
/// thread; the world it sees is immutable, so an observer can read it but never change the tick or
/// its hash. Keep it fast: it runs inside the tick.
/// </summary>
public interface ITap
{
    void Observe(TapPoint point);
}
