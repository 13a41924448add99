using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Promethean.Stores.Sqlite;

/// <summary>
/// A scalable Bloom filter over the source keys of the stored memories: "no" is certain, "maybe" sends the key to the
/// table. Ingest asks for every message of a tick whether its source is stored, and nearly every answer is no: the
/// filter answers those without the unique index's b-tree (docs/memory.md, "Source keys"). Keys are only added
/// (a rolled-back put leaves one behind: one more "maybe", never a wrong "no"). Each slice holds twice the keys of the
/// one before at ~1% false positives, so the filter grows with the store without rebuilding.
/// </summary>
internal sealed class SourceKeyFilter
{
    private const int FirstCapacity = 1 << 16;

    /// <summary>Probes per key; with 10 bits per key, ~1% false positives per slice.</summary>
    private const int Probes = 7;

    private const int BitsPerKey = 10;

    private readonly List<Slice> _slices = [new Slice(FirstCapacity)];

    public long Count { get; private set; }

    public void Add(string key)
    {
        var slice = _slices[^1];
        if (slice.Count >= slice.Capacity)
            _slices.Add(slice = new Slice(slice.Capacity * 2));
        slice.Add(Hash(key));
        Count++;
    }

    /// <summary>False when <paramref name="key"/> was certainly never added.</summary>
    public bool MayContain(string key)
    {
        var hash = Hash(key);
        foreach (var slice in _slices)
        {
            if (slice.MayContain(hash))
                return true;
        }
        return false;
    }

    private static ulong Hash(string key) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(key.AsSpan()));

    private sealed class Slice(long capacity)
    {
        private readonly ulong[] _words = new ulong[Math.Max(1, capacity * BitsPerKey / 64)];

        public long Capacity { get; } = capacity;

        public long Count { get; private set; }

        public void Add(ulong hash)
        {
            var bits = (ulong)_words.Length * 64;
            var (h1, h2) = ((uint)hash, (uint)(hash >> 32) | 1);
            for (var i = 0u; i < Probes; i++)
            {
                var bit = (h1 + (ulong)i * h2) % bits;
                _words[bit >> 6] |= 1UL << (int)(bit & 63);
            }
            Count++;
        }

        public bool MayContain(ulong hash)
        {
            var bits = (ulong)_words.Length * 64;
            var (h1, h2) = ((uint)hash, (uint)(hash >> 32) | 1);
            for (var i = 0u; i < Probes; i++)
            {
                var bit = (h1 + (ulong)i * h2) % bits;
                if ((_words[bit >> 6] & (1UL << (int)(bit & 63))) == 0)
                    return false;
            }
            return true;
        }
    }
}
