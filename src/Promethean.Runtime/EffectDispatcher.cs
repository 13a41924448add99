using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Runtime.Handlers;

namespace Promethean.Runtime;

/// <summary>
/// The seed's effect runner (section 5.2): runs external effects with bounded concurrency per effect
/// type and a timeout, and turns every outcome, including an unknown type, a timeout or a throwing
/// handler, into an event. It never throws into the tick loop.
/// </summary>
public sealed class EffectDispatcher
{
    private readonly IReadOnlyDictionary<string, IEffectHandler> _handlers;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _inFlightIds = new(StringComparer.Ordinal);
    private readonly int _maxInFlightPerType;
    private readonly TimeSpan _timeout;
    private readonly ILogger _log;
    private int _inFlight;

    public EffectDispatcher(IEnumerable<IEffectHandler> handlers, int maxInFlightPerType, TimeSpan timeout, ILogger log)
    {
        _handlers = handlers.ToDictionary(h => h.EffectType, StringComparer.Ordinal);
        _maxInFlightPerType = maxInFlightPerType;
        _timeout = timeout;
        _log = log;
    }

    public int InFlight => Volatile.Read(ref _inFlight);

    public IEnumerable<string> HandledTypes => _handlers.Keys.Order(StringComparer.Ordinal);

    /// <summary>Runs an effect; the task completes with its outcome event and never faults.</summary>
    public async Task<Event> DispatchAsync(Effect effect, CancellationToken stopping)
    {
        if (!_inFlightIds.TryAdd(effect.Id, 0))
            return Error(effect, "effect is already in flight in this process", retryable: true);
        Interlocked.Increment(ref _inFlight);
        try
        {
            if (!_handlers.TryGetValue(effect.Type, out var handler))
            {
                _log.LogError("no handler for effect type {Type} (effect {Id})", effect.Type, effect.Id);
                return Error(effect, $"no handler for effect type '{effect.Type}'");
            }
            var gate = _gates.GetOrAdd(effect.Type, _ => new SemaphoreSlim(_maxInFlightPerType));
            await gate.WaitAsync(stopping);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                timeout.CancelAfter(_timeout);
                try
                {
                    return await handler.HandleAsync(effect, timeout.Token);
                }
                catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                {
                    _log.LogWarning("effect {Id} ({Type}) timed out after {Timeout}", effect.Id, effect.Type, _timeout);
                    return Error(effect, $"timed out after {_timeout.TotalSeconds:0.#} s", retryable: true);
                }
            }
            finally
            {
                gate.Release();
            }
        }
        catch (EffectFailedException e)
        {
            _log.LogWarning("effect {Id} ({Type}) failed: {Message}", effect.Id, effect.Type, e.Message);
            return Error(effect, e.Message, e.Retryable);
        }
        catch (OperationCanceledException)
        {
            return Error(effect, "cancelled: the runtime is stopping", retryable: true);
        }
        catch (Exception e)
        {
            _log.LogError(e, "effect {Id} ({Type}) handler threw", effect.Id, effect.Type);
            return Error(effect, $"{e.GetType().Name}: {e.Message}");
        }
        finally
        {
            _inFlightIds.TryRemove(effect.Id, out _);
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static EffectError Error(Effect effect, string message, bool retryable = false) =>
        new(effect.Id, effect.Type, message, retryable) { Meta = effect.Meta };
}
