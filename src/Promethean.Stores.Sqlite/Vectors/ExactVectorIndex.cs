using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Promethean.Core;

namespace Promethean.Stores.Sqlite.Vectors;

/// <summary>
/// Exact cosine search in two steps. Each unit vector is kept as int8 codes with a bound on its quantization error,
/// and a scan scores every code with integer SIMD dot products: a quarter of float32's bytes, and a scan over 100k
/// vectors is bound by memory bandwidth. Each approximate score comes with an interval the exact score lies in;
/// only vectors whose interval reaches the k-th best lower end can be in the top k, and those (tens out of 100k)
/// are scored again in float32 from their full vectors. So results are exactly those of a float32 scan (same ids,
/// same scores, ordered by score then id) whatever the insert order, which is what systems (and so replay) rely
/// on. Full vectors are kept in memory, or, given a <see cref="VectorReader"/>, read from wherever the caller keeps
/// them: the store reads them from SQLite, so 100k 384-d vectors take 40 MB of memory instead of 150.
/// </summary>
public sealed class ExactVectorIndex : IVectorIndex
{
    /// <summary>Full-precision vectors of the given ids as stored (the index normalizes them); a missing id is skipped.</summary>
    public delegate IReadOnlyDictionary<string, float[]> VectorReader(IReadOnlyList<string> ids);

    /// <summary>
    /// Added to every error bound: the float32 dot product the candidates are rescored with is itself off the real
    /// value by at most ~dims x 2^-23 (4.6e-5 at 384 dimensions), and a vector is only left out when it loses by
    /// more than twice this on both sides.
    /// </summary>
    private const float Slack = 2e-4f;

    /// <summary>Candidates rescored (and read, from a reader) at a time.</summary>
    private const int RescoreBatch = 64;

    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly List<string> _ids = [];
    private readonly VectorReader? _reader;
    private sbyte[] _codes;
    private Quantized[] _quantized;
    private float[]? _unit;

    /// <summary>An index that keeps the full vectors in memory too.</summary>
    public ExactVectorIndex(int dimensions)
        : this(dimensions, null)
    {
    }

    /// <summary>An index that keeps only codes and reads full vectors for rescoring through <paramref name="reader"/> (or keeps them, when null).</summary>
    public ExactVectorIndex(int dimensions, VectorReader? reader)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        Dimensions = dimensions;
        _reader = reader;
        _codes = new sbyte[dimensions * 1024];
        _quantized = new Quantized[1024];
        _unit = reader is null ? new float[dimensions * 1024] : null;
    }

    public int Dimensions { get; }

    public int Count => _ids.Count;

    /// <summary>A scale and two norms per vector: the code of component i stands for <c>Scale x code[i]</c>.</summary>
    private readonly record struct Quantized(float Scale, float ErrorNorm, float CodeNorm);

    /// <summary>Sizes the buffers for <paramref name="count"/> vectors at once, so a bulk load neither over-allocates nor copies while doubling.</summary>
    public void EnsureCapacity(int count)
    {
        if (count > _quantized.Length)
            Grow(count);
        _slots.EnsureCapacity(count);
        _ids.Capacity = Math.Max(_ids.Capacity, count);
    }

    private void Grow(int capacity)
    {
        Array.Resize(ref _codes, capacity * Dimensions);
        Array.Resize(ref _quantized, capacity);
        if (_unit is not null)
            Array.Resize(ref _unit, capacity * Dimensions);
    }

    public void Upsert(string id, ReadOnlySpan<float> vector)
    {
        if (vector.Length != Dimensions)
            throw new ArgumentException($"vector has {vector.Length} dimensions, index has {Dimensions}", nameof(vector));
        if (!_slots.TryGetValue(id, out var slot))
        {
            slot = _ids.Count;
            if (slot == _quantized.Length)
                Grow(_quantized.Length * 2);
            _slots[id] = slot;
            _ids.Add(id);
        }
        var rented = ArrayPool<float>.Shared.Rent(Dimensions);
        var unit = rented.AsSpan(0, Dimensions);
        Normalize(vector, unit);
        _quantized[slot] = Quantize(unit, _codes.AsSpan(slot * Dimensions, Dimensions));
        if (_unit is not null)
            unit.CopyTo(_unit.AsSpan(slot * Dimensions, Dimensions));
        ArrayPool<float>.Shared.Return(rented);
    }

    public bool Remove(string id)
    {
        if (!_slots.Remove(id, out var slot))
            return false;
        var last = _ids.Count - 1;
        if (slot != last)
        {
            _codes.AsSpan(last * Dimensions, Dimensions).CopyTo(_codes.AsSpan(slot * Dimensions, Dimensions));
            _quantized[slot] = _quantized[last];
            _unit?.AsSpan(last * Dimensions, Dimensions).CopyTo(_unit.AsSpan(slot * Dimensions, Dimensions));
            _ids[slot] = _ids[last];
            _slots[_ids[slot]] = slot;
        }
        _ids.RemoveAt(last);
        return true;
    }

    public IReadOnlyList<ScoredId> Search(ReadOnlySpan<float> query, int k)
    {
        if (query.Length != Dimensions)
            throw new ArgumentException("query dimensions differ", nameof(query));
        if (k <= 0 || _ids.Count == 0)
            return [];
        var q = new float[Dimensions];
        Normalize(query, q);
        if (TensorPrimitives.MaxMagnitude(q) == 0)
            return NoDirection(k);
        var candidates = Candidates(q, k);
        // Best upper bound first, a batch at a time, until the next one cannot beat the k-th exact score: a store
        // reads few rows even when many vectors are near-ties (duplicates, or a query with no direction).
        candidates.Sort((a, b) => b.Upper.CompareTo(a.Upper) is var c && c != 0 ? c : a.Slot.CompareTo(b.Slot));
        var top = new TopK(k);
        var unit = new float[Dimensions];
        for (var start = 0; start < candidates.Count; start += RescoreBatch)
        {
            if (top.IsFull && candidates[start].Upper < top.WorstScore)
                break;
            var batch = candidates.GetRange(start, Math.Min(RescoreBatch, candidates.Count - start));
            if (_unit is not null)
            {
                foreach (var (slot, _) in batch)
                    top.Offer(TensorPrimitives.Dot(q, _unit.AsSpan(slot * Dimensions, Dimensions)), _ids[slot]);
                continue;
            }
            foreach (var (id, vector) in _reader!([.. batch.Select(c => _ids[c.Slot])]))
            {
                if (vector.Length != Dimensions || !_slots.ContainsKey(id))
                    continue;
                Normalize(vector, unit);
                top.Offer(TensorPrimitives.Dot(q, unit), id);
            }
        }
        return top.Sorted();
    }

    /// <summary>
    /// A zero query scores exactly 0 against every finite vector (and NaN against one with NaN or infinities, which
    /// ranks last), so the top k are the smallest ids: every vector ties, and rescoring would read them all.
    /// </summary>
    private List<ScoredId> NoDirection(int k) =>
        [.. Enumerable.Range(0, _ids.Count)
            .Select(slot => (Finite: float.IsFinite(_quantized[slot].ErrorNorm), Id: _ids[slot]))
            .OrderByDescending(x => x.Finite).ThenBy(x => x.Id, StringComparer.Ordinal)
            .Take(k)
            .Select(x => new ScoredId(x.Id, x.Finite ? 0f : float.NaN))];

    /// <summary>
    /// The slots whose exact score can reach the top k. With q = t d + f (query codes d, error f) and a vector
    /// v = s c + e, q.v = s t (d.c) + s (f.c) + q.e, so it is within |f| s|c| + |q| |e| of s t (d.c).
    /// </summary>
    private List<(int Slot, float Upper)> Candidates(float[] q, int k)
    {
        var count = _ids.Count;
        var queryCodes = new sbyte[Dimensions];
        var qq = Quantize(q, queryCodes);
        var queryNorm = TensorPrimitives.Norm(q);
        var approx = ArrayPool<float>.Shared.Rent(count);
        var lowest = new LowerBounds(Math.Min(k, count));
        ref var codes = ref MemoryMarshal.GetArrayDataReference(_codes);
        ref var query = ref MemoryMarshal.GetArrayDataReference(queryCodes);
        for (var i = 0; i < count; i++)
        {
            var v = _quantized[i];
            var score = v.Scale * qq.Scale * DotInt8(ref query, ref Unsafe.Add(ref codes, i * Dimensions), Dimensions);
            approx[i] = score;
            lowest.Offer(score - Bound(v, qq, queryNorm));
        }
        var floor = lowest.KthBest;
        var candidates = new List<(int, float)>();
        for (var i = 0; i < count; i++)
        {
            var upper = approx[i] + Bound(_quantized[i], qq, queryNorm);
            if (upper >= floor)
                candidates.Add((i, upper));
        }
        ArrayPool<float>.Shared.Return(approx);
        return candidates;
    }

    /// <summary>How far the exact score can be from the approximate one (infinite, so always a candidate, for a vector or query with NaN or infinities).</summary>
    private static float Bound(Quantized v, Quantized query, float queryNorm)
    {
        var bound = (query.ErrorNorm * v.CodeNorm) + (queryNorm * v.ErrorNorm) + Slack;
        return float.IsNaN(bound) ? float.PositiveInfinity : bound;
    }

    /// <summary>Codes in [-127, 127] for a vector, scaled by its largest component; returns the scale and the error and code norms.</summary>
    private static Quantized Quantize(ReadOnlySpan<float> unit, Span<sbyte> codes)
    {
        var largest = Math.Abs(TensorPrimitives.MaxMagnitude(unit));
        if (!(largest > 0) || !float.IsFinite(largest))
        {
            codes.Clear();
            return new Quantized(0, float.IsFinite(largest) ? TensorPrimitives.Norm(unit) : float.PositiveInfinity, 0);
        }
        var scale = largest / 127f;
        double error = 0, code = 0;
        for (var i = 0; i < unit.Length; i++)
        {
            var c = Math.Clamp((int)MathF.Round(unit[i] / scale), -127, 127);
            codes[i] = (sbyte)c;
            var e = unit[i] - ((double)scale * c);
            error += e * e;
            code += (double)c * c;
        }
        return new Quantized(scale, (float)Math.Sqrt(error), (float)(scale * Math.Sqrt(code)));
    }

    /// <summary>Integer dot product of two int8 code runs (exact: |sum| stays below 127 x 127 x dims).</summary>
    private static int DotInt8(ref sbyte a, ref sbyte b, int length)
    {
        var i = 0;
        var sum = 0;
        if (Avx2.IsSupported && length >= 32)
        {
            var low = Vector256<int>.Zero;
            var high = Vector256<int>.Zero;
            for (; i <= length - 32; i += 32)
            {
                var x = Vector256.LoadUnsafe(ref a, (nuint)i);
                var y = Vector256.LoadUnsafe(ref b, (nuint)i);
                low = Avx2.Add(low, Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(x.GetLower()), Avx2.ConvertToVector256Int16(y.GetLower())));
                high = Avx2.Add(high, Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(x.GetUpper()), Avx2.ConvertToVector256Int16(y.GetUpper())));
            }
            sum = Vector256.Sum(Avx2.Add(low, high));
        }
        for (; i < length; i++)
            sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        return sum;
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

    /// <summary>The k largest lower bounds seen; <see cref="KthBest"/> is the smallest of them, or -inf before k.</summary>
    private sealed class LowerBounds(int k)
    {
        private readonly PriorityQueue<float, float> _heap = new(k);

        public float KthBest => _heap.Count < k ? float.NegativeInfinity : _heap.Peek();

        public void Offer(float value)
        {
            if (_heap.Count < k)
                _heap.Enqueue(value, value);
            else if (value > _heap.Peek())
                _heap.EnqueueDequeue(value, value);
        }
    }
}

/// <summary>Keeps the k best (score desc, id asc) candidates in a bounded min-heap.</summary>
internal sealed class TopK(int k)
{
    private readonly PriorityQueue<ScoredId, ScoredId> _heap = new(k + 1, Comparer<ScoredId>.Create(Worse));

    public bool IsFull => _heap.Count == k;

    /// <summary>The lowest score kept (only meaningful once <see cref="IsFull"/>).</summary>
    public double WorstScore => _heap.Peek().Score;

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
