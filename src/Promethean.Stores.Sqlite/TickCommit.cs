using System.Collections.Immutable;
using Promethean.Core;
using Promethean.Core.Serialization;

namespace Promethean.Stores.Sqlite;

/// <summary>Everything one tick writes, committed in one transaction.</summary>
public sealed record TickCommit(
    World Previous,
    World Next,
    WorldHash Hash,
    ImmutableSortedDictionary<string, long> Cursors)
{
    public static readonly ImmutableSortedDictionary<string, long> NoCursors = ImmutableSortedDictionary<string, long>.Empty;
}
