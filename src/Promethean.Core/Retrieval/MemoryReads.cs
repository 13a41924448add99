namespace Promethean.Core.Retrieval;

/// <summary>
/// The memories one retrieval reads, each read once and only as far as needed: the walk needs their keys and the
/// ranking their kind, lifecycle and age (heads, for hundreds of memories); only the hits returned are read in full.
/// Batches are one store query instead of one per memory.
/// </summary>
public sealed class MemoryReads(IStoreReader stores)
{
    private readonly Dictionary<string, MemoryHead?> _heads = new(StringComparer.Ordinal);

    /// <summary>Reads, in one batch, the heads of those of <paramref name="ids"/> not read yet.</summary>
    public void Load(IEnumerable<string> ids)
    {
        var missing = ids.Where(id => !_heads.ContainsKey(id)).Distinct(StringComparer.Ordinal).ToList();
        if (missing.Count == 0)
            return;
        var found = stores.GetMemoryHeads(missing);
        foreach (var id in missing)
            _heads[id] = found.GetValueOrDefault(id);
    }

    public MemoryHead? Head(string id)
    {
        if (!_heads.TryGetValue(id, out var head))
        {
            Load([id]);
            head = _heads[id];
        }
        return head;
    }

    /// <summary>The full memories of <paramref name="ids"/>, in one batch; ids without one are absent.</summary>
    public IReadOnlyDictionary<string, Memory> Full(IReadOnlyCollection<string> ids) => stores.GetMemories(ids);
}
