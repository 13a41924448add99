using Promethean.Core.Effects;
using Promethean.Core.Events;

namespace Promethean.Runtime.Handlers;

/// <summary>
/// Executes one effect type. The returned event must carry the effect's id and meta. Handlers are
/// idempotent by effect id: an effect may be dispatched again after a crash.
/// </summary>
public interface IEffectHandler
{
    string EffectType { get; }

    Task<Event> HandleAsync(Effect effect, CancellationToken cancellationToken);
}

/// <summary>Typed base for handlers of one effect record.</summary>
public abstract class EffectHandler<TEffect> : IEffectHandler where TEffect : Effect
{
    public string EffectType => Core.TypeRegistry.EffectTypeOf(typeof(TEffect));

    public Task<Event> HandleAsync(Effect effect, CancellationToken cancellationToken) => HandleAsync((TEffect)effect, cancellationToken);

    protected abstract Task<Event> HandleAsync(TEffect effect, CancellationToken cancellationToken);
}

/// <summary>A failure a handler reports on purpose: it becomes an <c>.error</c> event with this message.</summary>
public sealed class EffectFailedException(string message, bool retryable = false) : Exception(message)
{
    public bool Retryable { get; } = retryable;
}
