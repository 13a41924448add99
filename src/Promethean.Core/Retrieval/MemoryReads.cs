namespace Promethean.Core.Retrieval;

/// <summary>
/// The memories one retrieval reads, each read once: the walk needs their keys, the ranking their kind and age, the
/// caller their text. Batches are one store query instead of one per memory (a walk reaches hundreds).
/// </summary>
public sealed class MemoryReads(IStoreReader stores)
{
    private readonly Dictionary<string, Memory?> _read = new(StringComparer.Ordinal);

    /// <summary>Reads, in one batch, those of <paramref name="ids"/> not read yet.</summary>
    public void Load(IEnumerable<string> ids)
    {
        var missing = ids.Where(id => !_read.ContainsKey(id)).Distinct(StringComparer.Ordinal).ToList();
        if (missing.Count == 0)
            return;
        var found = stores.GetMemories(missing);
        foreach (var id in missing)
            _read[id] = found.GetValueOrDefault(id);
    }

    public Memory? Get(string id)
    {
        if (!_read.TryGetValue(id, out var memory))
            _read[id] = memory = stores.GetMemory(id);
        return memory;
    }
}
