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
    /// Drops the entries a store effect can change, before it is applied: a put's head (a new memory, or a replaced
    /// one with new keys or kind); a link's keys (degree and postings); a tombstone's head and, since it unlinks the
    /// memory from keys this memo may not know, every key.
    /// </summary>
    private void ForgetGraphReads(Effect effect)
    {
        switch (effect)
        {
            case MemPut put:
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
        var found = new Dictionary<string, MemoryHead>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var id in ids)
        {
            if (!_headMemo.TryGetValue(id, out var head))
                missing.Add(id);
            else if (head is not null)
                found[id] = head;
        }
        if (missing.Count == 0)
            return found;
        var read = ReadMemoryHeads(missing);
        if (_headMemo.Count + missing.Count > GraphMemoEntries)
            _headMemo.Clear();
        foreach (var id in missing)
        {
            var head = read.GetValueOrDefault(id);
            _headMemo[id] = head;
            if (head is not null)
                found[id] = head;
        }
        return found;
    }

    public IReadOnlyDictionary<string, long> KeyDegrees(IReadOnlyCollection<string> keys)
    {
        if (!_memoReads)
            return ReadKeyDegrees(keys);
        var degrees = new Dictionary<string, long>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var key in keys)
        {
            if (_degreeMemo.TryGetValue(key, out var degree))
                degrees[key] = degree;
            else if (!degrees.ContainsKey(key))
                missing.Add(key);
        }
        if (missing.Count == 0)
            return degrees;
        var read = ReadKeyDegrees(missing);
        if (_degreeMemo.Count + read.Count > GraphMemoEntries)
            _degreeMemo.Clear();
        foreach (var (key, degree) in read)
        {
            _degreeMemo[key] = degree;
            degrees[key] = degree;
        }
        return degrees;
    }

    public IReadOnlyDictionary<string, IReadOnlyList<string>> PostingsOf(IReadOnlyCollection<string> keys, int limit)
    {
        if (!_memoReads)
            return ReadPostingsOf(keys, limit).ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal);
        var lists = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var key in keys)
        {
            if (_postingMemo.TryGetValue(key, out var memo) && memo.Limit == limit)
                lists[key] = memo.List;
            else if (!lists.ContainsKey(key))
                missing.Add(key);
        }
        if (missing.Count == 0)
            return lists;
        var read = ReadPostingsOf(missing, limit);
        if (_postingMemo.Count + read.Count > GraphMemoEntries)
            _postingMemo.Clear();
        foreach (var (key, list) in read)
        {
            _postingMemo[key] = (limit, list);
            lists[key] = list;
        }
        return lists;
    }
}
