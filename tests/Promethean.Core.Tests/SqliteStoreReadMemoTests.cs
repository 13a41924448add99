using System.Collections.Immutable;
using Promethean.Core.Effects;
using Promethean.Stores.Sqlite;

namespace Promethean.Core.Tests;

/// <summary>
/// The store's graph-read memo (memory heads, key degrees, posting lists) answers what the tables hold: random runs of
/// puts, replacements, links and tombstones, each read compared with a read that goes to the tables.
/// </summary>
public sealed class SqliteStoreReadMemoTests
{
    private static readonly string[] Keys = [.. Enumerable.Range(0, 10).Select(i => i % 3 == 0 ? $"chan:c{i}" : $"tag:t{i}")];

    private static Memory RandomMemory(Random random, string id, long createdMs) =>
        new(id, random.Next(3) == 0 ? "note" : "discord.message", $"text {random.Next(1000)} of {id}", $"text of {id}", "src:" + id,
            ImmutableSortedDictionary<string, string>.Empty, [], RandomKeys(random),
            random.Next(8) == 0 ? Memory.Tombstoned : Memory.Active, createdMs);

    private static ImmutableSortedSet<string> RandomKeys(Random random) =>
        ImmutableSortedSet.CreateRange(StringComparer.Ordinal, Keys.Where(_ => random.Next(3) == 0));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Reads_AfterRandomWrites_AreWhatTheTablesHold(int seed)
    {
        var random = new Random(seed);
        using var store = SqliteStore.InMemory();
        var ids = Enumerable.Range(0, 24).Select(i => $"m{i:00}").ToArray();
        var created = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var step = 0; step < 300; step++)
        {
            var effects = new List<Effect>();
            for (var n = random.Next(1, 5); n > 0; n--)
            {
                var id = ids[random.Next(ids.Length)];
                switch (random.Next(6))
                {
                    case 0 or 1:
                        // A put of a new memory, or a replacement (same id and time, new kind, keys or lifecycle).
                        var at = created.TryGetValue(id, out var t) ? t : step * 10L + n;
                        created[id] = at;
                        effects.Add(new MemPut(RandomMemory(random, id, at)));
                        break;
                    case 2 or 3:
                        if (created.TryGetValue(id, out var linkedAt))
                            effects.Add(new NexusLink(id, RandomKeys(random), linkedAt));
                        break;
                    case 4:
                        effects.Add(new MemTombstone(id, "summary-" + step));
                        break;
                }
            }
            store.ApplyStoreEffects(effects);

            var readIds = ids.Where(_ => random.Next(2) == 0).Append("never-stored").ToList();
            var readKeys = Keys.Where(_ => random.Next(2) == 0).Append("tag:unlinked").ToList();
            var limit = random.Next(2) == 0 ? 3 : 25;

            var heads = store.GetMemoryHeads(readIds);
            var truth = store.GetMemories(readIds);
            heads.Keys.Order(StringComparer.Ordinal).ShouldBe(truth.Keys.Order(StringComparer.Ordinal), $"step {step}");
            foreach (var (id, memory) in truth)
            {
                var head = heads[id];
                (head.Kind, head.Lifecycle, head.CreatedMs).ShouldBe((memory.Kind, memory.Lifecycle, memory.CreatedMs), $"step {step}, {id}");
                head.NexusKeys.ShouldBe(memory.NexusKeys, $"step {step}, {id}");
            }
            var degrees = store.KeyDegrees(readKeys);
            var postings = store.PostingsOf(readKeys, limit);
            foreach (var key in readKeys)
            {
                degrees[key].ShouldBe(store.KeyDegree(key), $"step {step}, {key}");
                postings[key].ShouldBe(store.Postings(key, limit), $"step {step}, {key} limit {limit}");
            }
        }
    }
}
