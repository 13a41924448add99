using System.Collections.Immutable;
using Promethean.Core.Events;

namespace Promethean.Stores.Sqlite;

/// <summary>One journal row: the inputs of a tick and the hash of the world it produced.</summary>
public sealed record JournalEntry(
    long Tick,
    long TimeMs,
    ImmutableArray<Event> EventsIn,
    string WorldHash,
    ImmutableSortedDictionary<string, string> Parts);
