namespace Promethean.Core.Serialization;

/// <summary>
/// The canonical bytes and hash of one immutable event or effect, computed on first use (and, for a chat message,
/// what ingest derives from it alone). Held by
/// the instance itself rather than in a ConditionalWeakTable: a tick creates thousands of events,
/// and a weak table pays a lock and a GC dependent handle for each. Not part of the value: every
/// memo equals every other, so record equality and hash codes are unchanged.
/// </summary>
internal sealed class CanonicalMemo : IEquatable<CanonicalMemo>
{
    public byte[]? Bytes { get; set; }

    public byte[]? Hash { get; set; }

    /// <summary>What ingest derives from a chat message alone (<see cref="Ingest.MessageFacts"/>).</summary>
    public Ingest.MessageFacts? Facts { get; set; }

    public bool Equals(CanonicalMemo? other) => other is not null;

    public override bool Equals(object? obj) => obj is CanonicalMemo;

    public override int GetHashCode() => 0;
}
