using Promethean.Core;
using Promethean.Core.Effects;

namespace Promethean.Stores.Sqlite;

/// <summary>
/// What a retrieval reads of the memory graph, remembered until a write changes it: memory heads by id, key degrees
/// and posting lists by key. A retrieval's daimoi walk reads the heads of ~400 memories and the postings of their
/// keys, and the next retrieval (the turn's memory_search, the next question in the channel) walks through many of
/// the same hub keys and memories. Each entry is dropped by exactly the writes that can change it (docs/memory.md,
/// "Read memos"), so a remembered read is what the tables hold, as a read of them would be: a function of the
/// journal like every store read. Only the writer remembers (it sees every write).
/// </summary>
public sealed partial class SqliteStore
{
    /// <summary>Entries per memo; a memo that would grow past it starts over (any subset of true reads is as good).</summary>
    private const int GraphMemoEntries = 16_384;

    private readonly Dictionary<string, MemoryHead?> _headMemo = new(StringComparer.Ordinal);

    private readonly Dictionary<string, long> _degreeMemo = new(StringComparer.Ordinal);

    /// <summary>A key's newest postings, read with one limit (walks use one, <c>NeighboursPerKey</c>; another limit replaces it).</summary>
    private readonly Dictionary<string, (int Limit, string[] List)> _postingMemo = new(StringComparer.Ordinal);

    /// <summary>
    /// Drops the remembered reads a store effect can change, before it is applied. Keyword reads: every put and
    /// tombstone (a memory's words change bm25 for all queries). Graph reads: a put's head (a new memory, or a replaced
    /// one with new keys or kind); a link's keys (degree and postings); a tombstone's head and, since it unlinks the
    /// memory from keys this memo may not know, every key.
    /// </summary>
    private void ForgetReadsChangedBy(Effect effect)
    {
        switch (effect)
        {
            case MemPut put:
                ForgetKeywordReads();
                _headMemo.Remove(put.Memory.Id);
                break;
            case NexusLink link:
                foreach (var key in link.Keys)
                {
                    _degreeMemo.Remove(key);
                    _postingMemo.Remove(key);
                }
                break;
            case MemTombstone t:
                ForgetKeywordReads();
                _headMemo.Remove(t.MemoryId);
                _degreeMemo.Clear();
                _postingMemo.Clear();
                break;
        }
    }

    /// <summary>Drops every remembered read (keyword and graph), so the next reads go to the tables.</summary>
    public void ForgetReads()
    {
        ForgetKeywordReads();
        _headMemo.Clear();
        _degreeMemo.Clear();
        _postingMemo.Clear();
    }

    public IReadOnlyDictionary<string, MemoryHead> GetMemoryHeads(IReadOnlyCollection<string> ids)
    {
        if (!_memoReads)
            return ReadMemoryHeads(ids);
        var heads = Recall(_headMemo, ids, _ => true, missing =>
        {
            var read = ReadMemoryHeads(missing);
            return id => read.GetValueOrDefault(id);
        });
        return heads.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!, StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, long> KeyDegrees(IReadOnlyCollection<string> keys)
    {
        if (!_memoReads)
            return ReadKeyDegrees(keys);
        return Recall(_degreeMemo, keys, _ => true, missing =>
        {
            var read = ReadKeyDegrees(missing);
            return key => read[key];
        });
    }

    public IReadOnlyDictionary<string, IReadOnlyList<string>> PostingsOf(IReadOnlyCollection<string> keys, int limit)
    {
        if (!_memoReads)
            return ReadPostingsOf(keys, limit).ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal);
        var lists = Recall(_postingMemo, keys, m => m.Limit == limit, missing =>
        {
            var read = ReadPostingsOf(missing, limit);
            return key => (limit, read[key]);
        });
        return lists.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value.List, StringComparer.Ordinal);
    }

    /// <summary>
    /// The memo's entries for <paramref name="keys"/> (those it holds and finds <paramref name="usable"/>), the rest read
    /// in one batch (<paramref name="read"/> gets them and answers for each) and remembered. A memo that would grow past
    /// <see cref="GraphMemoEntries"/> starts over first.
    /// </summary>
    private static Dictionary<string, T> Recall<T>(
        Dictionary<string, T> memo, IReadOnlyCollection<string> keys, Func<T, bool> usable, Func<List<string>, Func<string, T>> read)
    {
        var found = new Dictionary<string, T>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var key in keys)
        {
            if (memo.TryGetValue(key, out var value) && usable(value))
                found[key] = value;
            else
                missing.Add(key);
        }
        if (missing.Count == 0)
            return found;
        var answer = read(missing);
        if (memo.Count + missing.Count > GraphMemoEntries)
            memo.Clear();
        foreach (var key in missing)
            found[key] = memo[key] = answer(key);
        return found;
    }
}
