namespace Promethean.Core.Components;

/// <summary>
/// The base of every component record in a world table. It holds the component's memoized hash for the world hash in
/// the instance itself (components are immutable): a weak table keyed by instance cost a lock per lookup and a GC
/// dependent handle per component, which every collection has to scan (about a millisecond of each gen-1 pause in the
/// tick bench). The memo is not part of the value: a copy made by <c>with</c> starts without it, and equality and hash
/// codes ignore it.
/// </summary>
public abstract record Component
{
    private byte[]? _hash;

    protected Component()
    {
    }

    protected Component(Component original)
    {
        ArgumentNullException.ThrowIfNull(original);
        _hash = null;
    }

    /// <summary>SHA-256 of the canonical hashing bytes, once computed (write-once: a race computes the same bytes).</summary>
    internal byte[]? HashMemo
    {
        get => Volatile.Read(ref _hash);
        set => Volatile.Write(ref _hash, value);
    }

    public virtual bool Equals(Component? other) => other is not null && EqualityContract == other.EqualityContract;

    public override int GetHashCode() => EqualityContract.GetHashCode();
}
