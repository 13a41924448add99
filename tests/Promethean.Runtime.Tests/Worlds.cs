using Promethean.Core;
using Promethean.Core.Serialization;
using Promethean.Stores.Sqlite;

namespace Promethean.Runtime.Tests;

internal static class Worlds
{
    /// <summary>
    /// A copy of <paramref name="world"/> made of fresh instances, through its snapshot and its events' and effects'
    /// canonical JSON: it carries none of the memos the tick's hashing left, so a serial hash of it starts from scratch.
    /// </summary>
    public static World FreshCopy(World world) => SqliteStore.ParseSnapshot(SqliteStore.SnapshotJson(world)) with
    {
        EventsIn = [.. world.EventsIn.Select(e => CanonicalJson.DeserializeEvent(CanonicalJson.SerializeToString(e)))],
        EventsOut = [.. world.EventsOut.Select(e => CanonicalJson.DeserializeEvent(CanonicalJson.SerializeToString(e)))],
        Effects = [.. world.Effects.Select(e => CanonicalJson.DeserializeEffect(CanonicalJson.SerializeToString(e)))],
    };
}
