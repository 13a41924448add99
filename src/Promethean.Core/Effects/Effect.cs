using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Promethean.Core.Effects;

/// <summary>
/// A side effect as data (seed 5.1). Systems append effects; the runtime executes them after the
/// tick commits and feeds the outcome back as an event on a later tick.
/// </summary>
public abstract record Effect
{
    private readonly Serialization.CanonicalMemo _memo = new();

    protected Effect()
    {
    }

    /// <summary>A copy made by <c>with</c> (a new id, say) is another value: it starts without the original's memoized bytes.</summary>
    protected Effect(Effect original)
    {
        ArgumentNullException.ThrowIfNull(original);
        _memo = new();
        Id = original.Id;
        Meta = original.Meta;
    }

    /// <summary>Deterministic id <c>{tick}-{seq}</c>, assigned by <see cref="World.Do(Effect)"/>.</summary>
    public string Id { get; init; } = "";

    /// <summary>Who asked: session, cephalon, sentinel ids and similar, for routing the outcome.</summary>
    public ImmutableSortedDictionary<string, string> Meta { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    public string Type => TypeRegistry.EffectTypeOf(GetType());

    /// <summary>Store effects are applied inside the tick's commit transaction; all others go to the outbox.</summary>
    [JsonIgnore]
    public virtual bool IsStoreEffect => false;

    internal Serialization.CanonicalMemo Memo => _memo;
}
