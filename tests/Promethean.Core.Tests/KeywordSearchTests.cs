using System.Collections.Immutable;
using System.Globalization;
using Promethean.Core.Effects;
using Promethean.Stores.Sqlite;

namespace Promethean.Core.Tests;

/// <summary>
/// Keyword search cuts its query to the rows it can afford to rank (<see cref="SqliteStore.KeywordRowBudget"/>):
/// words past the budget are left out when rarer ones remain, and when every word is past it the memories with all of
/// them come first. A store with "alpha" and "beta" each in more memories than the budget (and in fewer than half of them:
/// FTS5's bm25 gives a word in half the memories no weight), 20 with both, and a rare "gamma".
/// </summary>
public sealed class KeywordSearchTests : IDisposable
{
    private const int Common = SqliteStore.KeywordRowBudget + 100;
    private readonly SqliteStore _store = SqliteStore.InMemory();

    public KeywordSearchTests()
    {
        var effects = new List<Effect>();
        for (var i = 0; i < Common; i++)
        {
            effects.Add(new MemPut(i < 20 ? Chat("ab" + Num(i), $"alpha beta update {i}") : Chat("a" + Num(i), $"alpha update {i}")));
            effects.Add(new MemPut(Chat("b" + Num(i), $"beta chatter {i}")));
            effects.Add(new MemPut(Chat("f" + Num(i), $"filler {i}")));
        }
        effects.Add(new MemPut(Chat("g1", "gamma note one")));
        effects.Add(new MemPut(Chat("g2", "gamma note two")));
        effects.Add(new MemPut(Chat("g3", "alpha gamma together")));
        effects.Add(new MemPut(Chat("c1", "meet at the Café at noon")));
        _store.ApplyStoreEffects(effects);
    }

    public void Dispose() => _store.Dispose();

    [Fact]
    public void KeywordSearch_CommonWordBesideRareOne_SearchesTheRareWord()
    {
        _store.KeywordSearch("alpha gamma", 10).Select(h => h.Id).Order(StringComparer.Ordinal).ShouldBe(["g1", "g2", "g3"]);
    }

    [Fact]
    public void KeywordSearch_OnlyCommonWords_RanksMemoriesWithEveryWord()
    {
        var hits = _store.KeywordSearch("alpha beta", 10);
        hits.Count.ShouldBe(10);
        hits.ShouldAllBe(h => h.Id.StartsWith("ab", StringComparison.Ordinal));
    }

    [Fact]
    public void KeywordSearch_FewerWithEveryWordThanAsked_FallsBackToAnyWord()
    {
        var hits = _store.KeywordSearch("alpha beta", 50);
        hits.Count.ShouldBe(50);
        hits.Take(20).ShouldAllBe(h => h.Id.StartsWith("ab", StringComparison.Ordinal));
    }

    [Fact]
    public void KeywordSearch_WordWithDiacritics_CountsAndMatchesAsTheIndexTokenizes()
    {
        _store.KeywordSearch("café", 5).Select(h => h.Id).ShouldBe(["c1"]);
        _store.KeywordSearch("CAFE", 5).Select(h => h.Id).ShouldBe(["c1"]);
    }

    private static string Num(int i) => i.ToString("D5", CultureInfo.InvariantCulture);

    private static Memory Chat(string id, string text) =>
        new(id, "discord.message", text, text, "discord:" + id, ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal),
            [], [], Memory.Active, 1_000);
}
