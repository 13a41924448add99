namespace Promethean.Core.Events;

/// <summary>
/// Something that happened, as plain data. Its <see cref="Type"/> is the seed's type string
/// (<c>discord.message/new</c>, <c>llm/response</c>, ...), used verbatim in the journal, logs and inspector.
/// </summary>
public abstract record Event
{
    private readonly Serialization.CanonicalMemo _memo = new();

    protected Event()
    {
    }

    /// <summary>A copy made by <c>with</c> is another value: it starts without the original's memoized bytes.</summary>
    protected Event(Event original)
    {
        ArgumentNullException.ThrowIfNull(original);
        _memo = new();
    }

    public virtual string Type => TypeRegistry.EventTypeOf(GetType());

    internal Serialization.CanonicalMemo Memo => _memo;
}

/// <summary>An event that answers an effect: carries the id of the effect it completes.</summary>
public interface IEffectOutcome
{
    string EffectId { get; }

    /// <summary>The meta of the effect this answers, copied by the runtime so systems can route it.</summary>
    System.Collections.Immutable.ImmutableSortedDictionary<string, string> Meta { get; init; }
}
