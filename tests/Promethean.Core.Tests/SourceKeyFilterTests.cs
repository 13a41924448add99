using System.Collections.Immutable;
using Promethean.Core.Effects;
using Promethean.Stores.Sqlite;

namespace Promethean.Core.Tests;

/// <summary>
/// The writer's source-key filter: a "no" is never wrong, "maybe" is rare, and with it <c>KnownSourceKeys</c> answers
/// what the table holds (a read-only connection, which has no filter, asks the table).
/// </summary>
public sealed class SourceKeyFilterTests
{
    [Fact]
    public void Filter_GrownPastItsFirstSlice_HasNoFalseNegatives_AndFewFalsePositives()
    {
        var filter = new SourceKeyFilter();
        const int added = 300_000;
        for (var i = 0; i < added; i++)
            filter.Add($"discord:{i}");
        filter.Count.ShouldBe(added);
        Enumerable.Range(0, added).Count(i => !filter.MayContain($"discord:{i}")).ShouldBe(0);
        var falsePositives = Enumerable.Range(added, 100_000).Count(i => filter.MayContain($"discord:{i}"));
        // ~1% a slice; 300k keys fill three slices (64k, 128k, 256k).
        falsePositives.ShouldBeLessThan(4_000);
        falsePositives.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void KnownSourceKeys_OfTheWriter_AreThoseAReadOnlyConnectionFinds_AcrossPutsRollbackAndReopen()
    {
        var dir = Directory.CreateTempSubdirectory("promethean-filter-");
        try
        {
            var path = Path.Combine(dir.FullName, "store.db");
            var random = new Random(7);
            var stored = new HashSet<string>(StringComparer.Ordinal);
            string[] Asked() => [.. Enumerable.Range(0, 60).Select(_ => $"src:{random.Next(400)}")];

            using (var store = SqliteStore.Open(path))
            {
                store.WriteGenesis(World.Empty);
                // Some memories exist before the filter is first read, more after it.
                store.ApplyStoreEffects(Puts(random, stored, 50));
                for (var round = 0; round < 10; round++)
                {
                    var asked = Asked();
                    store.KnownSourceKeys(asked).Order(StringComparer.Ordinal).ShouldBe(asked.Where(stored.Contains).Distinct().Order(StringComparer.Ordinal));
                    store.ApplyStoreEffects(Puts(random, stored, 20));
                }

                // A put rolled back with its tick leaves its key in the filter, and the table still answers no.
                var genesis = store.LoadWorld();
                var failed = (genesis with { Tick = 1 }).Do(new MemPut(Memory("src:rolled-back")));
                Should.Throw<InvalidOperationException>(() =>
                    store.Commit(genesis, failed, Task.FromException<Serialization.WorldHash>(new InvalidOperationException("hash failed")), TickCommit.NoCursors));
                store.KnownSourceKeys(["src:rolled-back", .. stored.Take(3)]).Count.ShouldBe(3);
                store.KnownSourceKeys(["src:rolled-back"]).ShouldBeEmpty();
            }

            using (var reopened = SqliteStore.Open(path))
            using (var reader = SqliteStore.OpenReadOnly(path))
            {
                for (var round = 0; round < 10; round++)
                {
                    var asked = Asked();
                    var expected = reader.KnownSourceKeys(asked).Order(StringComparer.Ordinal).ToArray();
                    expected.ShouldBe(asked.Where(stored.Contains).Distinct().Order(StringComparer.Ordinal));
                    reopened.KnownSourceKeys(asked).Order(StringComparer.Ordinal).ShouldBe(expected);
                    reopened.ApplyStoreEffects(Puts(random, stored, 20));
                }
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }

    private static Memory Memory(string sourceKey) =>
        new("id-" + sourceKey, "note", "text of " + sourceKey, "text of " + sourceKey, sourceKey,
            ImmutableSortedDictionary<string, string>.Empty, [], [], Core.Memory.Active, 0);

    private static List<Effect> Puts(Random random, HashSet<string> stored, int count)
    {
        var puts = new List<Effect>();
        for (var i = 0; i < count; i++)
        {
            var key = $"src:{random.Next(400)}";
            stored.Add(key);
            puts.Add(new MemPut(Memory(key)));
        }
        return puts;
    }
}
