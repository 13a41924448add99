using Cloud.Unum.USearch;
using Promethean.Core;

namespace Promethean.Stores.Sqlite.Vectors;

/// <summary>
/// Approximate cosine search with USearch's HNSW (native, SIMD). String ids map to sequential 64-bit
/// keys; the graph can be saved to and loaded from a file next to the store. Results are approximate
/// and may depend on insert order, so systems use <see cref="ExactVectorIndex"/> through the store.
/// </summary>
public sealed class HnswVectorIndex : IVectorIndex
{
    private readonly USearchIndex _index;
    private readonly Dictionary<string, ulong> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, string> _ids = [];
    private readonly float[] _buffer;
    private ulong _nextKey = 1;

    public HnswVectorIndex(int dimensions, int connectivity = 16, int expansionAdd = 128, int expansionSearch = 64)
    {
        Dimensions = dimensions;
        _buffer = new float[dimensions];
        _index = new USearchIndex(MetricKind.Cos, ScalarKind.Float32, (ulong)dimensions, (ulong)connectivity, (ulong)expansionAdd, (ulong)expansionSearch);
    }

    private HnswVectorIndex(int dimensions, USearchIndex index)
    {
        Dimensions = dimensions;
        _buffer = new float[dimensions];
        _index = index;
    }

    public int Dimensions { get; }

    public int Count => _keys.Count;

    public void Upsert(string id, ReadOnlySpan<float> vector)
    {
        if (_keys.TryGetValue(id, out var old))
        {
            _index.Remove(old);
            _ids.Remove(old);
        }
        var key = _nextKey++;
        _keys[id] = key;
        _ids[key] = id;
        var v = new float[Dimensions];
        ExactVectorIndex.Normalize(vector, v);
        _index.Add(key, v);
    }

    public bool Remove(string id)
    {
        if (!_keys.Remove(id, out var key))
            return false;
        _ids.Remove(key);
        _index.Remove(key);
        return true;
    }

    public IReadOnlyList<ScoredId> Search(ReadOnlySpan<float> query, int k)
    {
        if (k <= 0 || _keys.Count == 0)
            return [];
        ExactVectorIndex.Normalize(query, _buffer);
        var found = _index.Search(_buffer, k, out var keys, out var distances);
        var list = new List<ScoredId>(found);
        for (var i = 0; i < found; i++)
        {
            if (_ids.TryGetValue(keys[i], out var id))
                list.Add(new ScoredId(id, 1.0 - distances[i]));
        }
        list.Sort((a, b) => b.Score.CompareTo(a.Score) is var c and not 0 ? c : string.CompareOrdinal(a.Id, b.Id));
        return list;
    }

    /// <summary>Writes the graph to <paramref name="path"/> and the id map to <c>path.ids</c>.</summary>
    public void Save(string path)
    {
        _index.Save(path);
        File.WriteAllLines(path + ".ids", _keys.OrderBy(p => p.Value).Select(p => $"{p.Value}\t{p.Key}"));
    }

    public static HnswVectorIndex Load(string path, int dimensions)
    {
        var index = new HnswVectorIndex(dimensions, new USearchIndex(path, false));
        foreach (var line in File.ReadLines(path + ".ids"))
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            var key = ulong.Parse(line[..tab], System.Globalization.CultureInfo.InvariantCulture);
            var id = line[(tab + 1)..];
            index._keys[id] = key;
            index._ids[key] = id;
            index._nextKey = Math.Max(index._nextKey, key + 1);
        }
        return index;
    }

    public void Dispose() => _index.Dispose();
}
