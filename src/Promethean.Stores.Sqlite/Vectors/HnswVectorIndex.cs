using System.Globalization;
using System.Runtime.InteropServices;
using Promethean.Core;

namespace Promethean.Stores.Sqlite.Vectors;

/// <summary>
/// Approximate cosine search with USearch's HNSW (native, SIMD). String ids map to sequential 64-bit
/// keys; the graph can be saved to and loaded from a file next to the store. Vectors are normalized
/// before they go in, so the graph uses the inner product (the cosine of unit vectors, without
/// re-computing norms in every distance), and are stored as f16: half the memory traffic per distance,
/// which is what a search over a graph larger than the caches waits on, for scores within about 1e-3
/// of f32 and the same recall on MiniLM-like data. Results are approximate and may depend on insert order, so
/// systems use <see cref="ExactVectorIndex"/> through the store; results are ordered by score, ties by id.
/// Searches may run concurrently with each other (no shared buffers, no locks); writes are single-writer.
/// </summary>
public sealed class HnswVectorIndex : IVectorIndex
{
    /// <summary>Results on the stack up to this k; larger k rents arrays.</summary>
    private const int StackK = 128;

    private readonly USearchNative.Handle _index;
    private readonly Dictionary<string, ulong> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, string> _ids = [];
    private ulong _nextKey = 1;
    private ulong _capacity;

    public HnswVectorIndex(int dimensions, int connectivity = 16, int expansionAdd = 128, int expansionSearch = 64)
    {
        Dimensions = dimensions;
        var options = new USearchNative.InitOptions
        {
            MetricKind = USearchNative.MetricIp,
            Quantization = USearchNative.ScalarF16,
            Dimensions = (nuint)dimensions,
            Connectivity = (nuint)connectivity,
            ExpansionAdd = (nuint)expansionAdd,
            ExpansionSearch = (nuint)expansionSearch,
        };
        _index = USearchNative.usearch_init(ref options, out var error);
        USearchNative.Check(error);
    }

    private HnswVectorIndex(int dimensions, USearchNative.Handle index)
    {
        Dimensions = dimensions;
        _index = index;
    }

    public int Dimensions { get; }

    public int Count => _keys.Count;

    /// <summary>The search expansion (HNSW <c>ef</c>): more is slower and finds more of the true neighbours.</summary>
    public int ExpansionSearch
    {
        get
        {
            var ef = USearchNative.usearch_expansion_search(_index, out var error);
            USearchNative.Check(error);
            return (int)ef;
        }
        set
        {
            USearchNative.usearch_change_expansion_search(_index, (nuint)value, out var error);
            USearchNative.Check(error);
        }
    }

    public void Upsert(string id, ReadOnlySpan<float> vector)
    {
        CheckDimensions(vector);
        var key = Assign(id);
        Reserve(1);
        Add(key, vector);
    }

    /// <summary>
    /// Inserts or replaces many vectors, adding them to the graph on up to <paramref name="threads"/> threads.
    /// Keys are assigned in input order first, so ids map to the same keys whatever the thread count; the
    /// graph itself, like any HNSW graph, depends on the order the adds land in.
    /// </summary>
    public void UpsertMany(IReadOnlyList<(string Id, float[] Vector)> items, int threads)
    {
        var keys = new ulong[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            CheckDimensions(items[i].Vector);
            keys[i] = Assign(items[i].Id);
        }
        Reserve(items.Count);
        threads = Math.Max(1, threads);
        USearchNative.usearch_change_threads_add(_index, (nuint)threads, out var error);
        USearchNative.Check(error);
        Parallel.For(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, i => Add(keys[i], items[i].Vector));
    }

    public bool Remove(string id)
    {
        if (!_keys.Remove(id, out var key))
            return false;
        _ids.Remove(key);
        USearchNative.usearch_remove(_index, key, out var error);
        USearchNative.Check(error);
        return true;
    }

    public IReadOnlyList<ScoredId> Search(ReadOnlySpan<float> query, int k)
    {
        if (k <= 0 || _keys.Count == 0)
            return [];
        if (query.Length != Dimensions)
            throw new ArgumentException("query dimensions differ", nameof(query));
        var unit = Dimensions <= 1024 ? stackalloc float[Dimensions] : new float[Dimensions];
        ExactVectorIndex.Normalize(query, unit);
        var keys = k <= StackK ? stackalloc ulong[k] : new ulong[k];
        var distances = k <= StackK ? stackalloc float[k] : new float[k];
        var found = (int)USearchNative.usearch_search(_index, in MemoryMarshal.GetReference(unit), USearchNative.ScalarF32, (nuint)k,
            ref MemoryMarshal.GetReference(keys), ref MemoryMarshal.GetReference(distances), out var error);
        USearchNative.Check(error);
        var list = new List<ScoredId>(found);
        for (var i = 0; i < found; i++)
        {
            if (_ids.TryGetValue(keys[i], out var id))
                list.Add(new ScoredId(id, 1.0 - distances[i]));
        }
        list.Sort(static (a, b) => b.Score.CompareTo(a.Score) is var c and not 0 ? c : string.CompareOrdinal(a.Id, b.Id));
        return list;
    }

    /// <summary>Writes the graph to <paramref name="path"/> and the id map to <c>path.ids</c>.</summary>
    public void Save(string path)
    {
        USearchNative.usearch_save(_index, path, out var error);
        USearchNative.Check(error);
        File.WriteAllLines(path + ".ids", _keys.OrderBy(p => p.Value).Select(p => $"{p.Value.ToString(CultureInfo.InvariantCulture)}\t{p.Key}"));
    }

    public static HnswVectorIndex Load(string path, int dimensions)
    {
        var options = default(USearchNative.InitOptions);
        var handle = USearchNative.usearch_init(ref options, out var error);
        USearchNative.Check(error);
        var index = new HnswVectorIndex(dimensions, handle);
        try
        {
            USearchNative.usearch_load(handle, path, out error);
            USearchNative.Check(error);
            index._capacity = USearchNative.usearch_capacity(handle, out error);
            USearchNative.Check(error);
            foreach (var line in File.ReadLines(path + ".ids"))
            {
                var tab = line.IndexOf('\t', StringComparison.Ordinal);
                var key = ulong.Parse(line[..tab], CultureInfo.InvariantCulture);
                var id = line[(tab + 1)..];
                index._keys[id] = key;
                index._ids[key] = id;
                index._nextKey = Math.Max(index._nextKey, key + 1);
            }
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    public void Dispose() => _index.Dispose();

    private void CheckDimensions(ReadOnlySpan<float> vector)
    {
        if (vector.Length != Dimensions)
            throw new ArgumentException($"vector has {vector.Length} dimensions, index has {Dimensions}", nameof(vector));
    }

    /// <summary>A fresh key for <paramref name="id"/>; a previous vector under the id leaves the graph.</summary>
    private ulong Assign(string id)
    {
        if (_keys.TryGetValue(id, out var old))
        {
            USearchNative.usearch_remove(_index, old, out var error);
            USearchNative.Check(error);
            _ids.Remove(old);
        }
        var key = _nextKey++;
        _keys[id] = key;
        _ids[key] = id;
        return key;
    }

    /// <summary>Grows capacity geometrically: the native side re-allocates its node tables on every reserve.</summary>
    private void Reserve(int more)
    {
        var size = USearchNative.usearch_size(_index, out var error);
        USearchNative.Check(error);
        var needed = (ulong)size + (ulong)more;
        if (needed <= _capacity)
            return;
        var capacity = Math.Max(needed, Math.Max(1024, _capacity * 2));
        USearchNative.usearch_reserve(_index, (nuint)capacity, out error);
        USearchNative.Check(error);
        _capacity = capacity;
    }

    private void Add(ulong key, ReadOnlySpan<float> vector)
    {
        var unit = Dimensions <= 1024 ? stackalloc float[Dimensions] : new float[Dimensions];
        ExactVectorIndex.Normalize(vector, unit);
        USearchNative.usearch_add(_index, key, in MemoryMarshal.GetReference(unit), USearchNative.ScalarF32, out var error);
        USearchNative.Check(error);
    }
}
