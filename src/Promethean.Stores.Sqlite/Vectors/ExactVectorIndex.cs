using System.Numerics.Tensors;
using Promethean.Core;

namespace Promethean.Stores.Sqlite.Vectors;

/// <summary>
/// Exact cosine search: unit vectors in one contiguous buffer scanned with SIMD dot products
/// (<see cref="TensorPrimitives"/>). Deterministic: the same contents give the same results in the
/// same order whatever the insert order, which is what systems (and so replay) rely on.
/// </summary>
public sealed class ExactVectorIndex(int dimensions) : IVectorIndex
{
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly List<string> _ids = [];
    private float[] _data = new float[dimensions * 1024];

    public int Dimensions { get; } = dimensions;

    public int Count => _ids.Count;

    /// <summary>Sizes the buffer for <paramref name="count"/> vectors at once, so a bulk load neither over-allocates nor copies while doubling.</summary>
    public void EnsureCapacity(int count)
    {
        if ((long)count * Dimensions > _data.Length)
            Array.Resize(ref _data, count * Dimensions);
        _slots.EnsureCapacity(count);
        _ids.Capacity = Math.Max(_ids.Capacity, count);
    }

    public void Upsert(string id, ReadOnlySpan<float> vector)
    {
        if (vector.Length != Dimensions)
            throw new ArgumentException($"vector has {vector.Length} dimensions, index has {Dimensions}", nameof(vector));
        if (!_slots.TryGetValue(id, out var slot))
        {
            slot = _ids.Count;
            if ((slot + 1) * Dimensions > _data.Length)
                Array.Resize(ref _data, _data.Length * 2);
            _slots[id] = slot;
            _ids.Add(id);
        }
        Normalize(vector, _data.AsSpan(slot * Dimensions, Dimensions));
    }

    public bool Remove(string id)
    {
        if (!_slots.Remove(id, out var slot))
            return false;
        var last = _ids.Count - 1;
        if (slot != last)
        {
            _data.AsSpan(last * Dimensions, Dimensions).CopyTo(_data.AsSpan(slot * Dimensions, Dimensions));
            _ids[slot] = _ids[last];
            _slots[_ids[slot]] = slot;
        }
        _ids.RemoveAt(last);
        return true;
    }

    public IReadOnlyList<ScoredId> Search(ReadOnlySpan<float> query, int k)
    {
        if (k <= 0 || _ids.Count == 0)
            return [];
        Span<float> q = query.Length == Dimensions ? stackalloc float[Dimensions] : throw new ArgumentException("query dimensions differ", nameof(query));
        Normalize(query, q);
        var top = new TopK(k);
        for (var i = 0; i < _ids.Count; i++)
            top.Offer(TensorPrimitives.Dot(q, _data.AsSpan(i * Dimensions, Dimensions)), _ids[i]);
        return top.Sorted();
    }

    internal static void Normalize(ReadOnlySpan<float> source, Span<float> target)
    {
        var norm = TensorPrimitives.Norm(source);
        if (norm > 0)
            TensorPrimitives.Divide(source, norm, target);
        else
            source.CopyTo(target);
    }

    public void Dispose()
    {
    }
}

/// <summary>Keeps the k best (score desc, id asc) candidates in a bounded min-heap.</summary>
internal sealed class TopK(int k)
{
    private readonly PriorityQueue<ScoredId, ScoredId> _heap = new(k + 1, Comparer<ScoredId>.Create(Worse));

    public void Offer(float score, string id)
    {
        var item = new ScoredId(id, score);
        if (_heap.Count < k)
        {
            _heap.Enqueue(item, item);
            return;
        }
        if (Worse(_heap.Peek(), item) < 0)
        {
            _heap.DequeueEnqueue(item, item);
        }
    }

    public IReadOnlyList<ScoredId> Sorted()
    {
        var list = new List<ScoredId>(_heap.Count);
        while (_heap.Count > 0)
            list.Add(_heap.Dequeue());
        list.Reverse();
        return list;
    }

    /// <summary>Negative when <paramref name="a"/> ranks below <paramref name="b"/>: lower score, or equal score and larger id.</summary>
    private static int Worse(ScoredId a, ScoredId b)
    {
        var c = a.Score.CompareTo(b.Score);
        return c != 0 ? c : string.CompareOrdinal(b.Id, a.Id);
    }
}
