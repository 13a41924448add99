using System.Numerics;
using System.Text;

namespace Promethean.Core.Ingest;

/// <summary>
/// 64-bit SimHash over word 3-grams (DESIGN 4). Words are lower-cased runs of letters and digits, so
/// case, punctuation, emoji and spacing changes do not move the hash; texts of one or two words use
/// the whole word sequence as their single feature. Feature hashes are FNV-1a 64 with a SplitMix64
/// finalizer: stable across processes, unlike <c>string.GetHashCode</c>.
/// </summary>
public static class SimHash
{
    public const int ShingleWords = 3;

    /// <summary>The fingerprint, or null when the text has no words at all (nothing to compare).</summary>
    public static ulong? Compute(string text)
    {
        var words = new List<ulong>(64);
        var h = FnvOffset;
        var inWord = false;
        foreach (var ch in text)
        {
            if (char.IsLetterOrDigit(ch))
            {
                h = (h ^ char.ToLowerInvariant(ch)) * FnvPrime;
                inWord = true;
            }
            else if (inWord)
            {
                words.Add(h);
                h = FnvOffset;
                inWord = false;
            }
        }
        if (inWord)
            words.Add(h);
        if (words.Count == 0)
            return null;
        var counts = new BitCounts(stackalloc ulong[32]);
        if (words.Count < ShingleWords)
        {
            counts.Add(Feature(words, 0, words.Count));
        }
        else
        {
            for (var i = 0; i + ShingleWords <= words.Count; i++)
                counts.Add(Feature(words, i, ShingleWords));
        }
        return counts.Majority();
    }

    /// <summary>
    /// How many of the added values have each of the 64 bits set, bit-sliced: slice j holds bit j of every count, so
    /// adding a value is a ripple of ANDs and XORs (about two per level of carry) instead of 64 counter updates. A
    /// bit of the fingerprint is set when more than half the features have it (its +1/-1 weight sum is positive).
    /// </summary>
    private ref struct BitCounts(Span<ulong> slices)
    {
        private readonly Span<ulong> _slices = slices;
        private int _levels;
        private long _added;

        public void Add(ulong value)
        {
            var carry = value;
            for (var j = 0; carry != 0; j++)
            {
                if (j == _levels)
                    _levels++;
                var next = _slices[j] & carry;
                _slices[j] ^= carry;
                carry = next;
            }
            _added++;
        }

        public readonly ulong Majority()
        {
            ulong hash = 0;
            for (var bit = 0; bit < 64; bit++)
            {
                long count = 0;
                for (var j = 0; j < _levels; j++)
                    count |= (long)((_slices[j] >> bit) & 1) << j;
                if (2 * count > _added)
                    hash |= 1UL << bit;
            }
            return hash;
        }
    }

    public static int Distance(ulong a, ulong b) => BitOperations.PopCount(a ^ b);

    /// <summary>Lower-cased runs of letters and digits: the words SimHash, the lexicon and keyword queries see.</summary>
    public static List<string> Words(string text)
    {
        var words = new List<string>();
        var sb = new StringBuilder();
        foreach (var ch in text)
        {
            if (char.IsLetterOrDigit(ch))
            {
                sb.Append(char.ToLowerInvariant(ch));
            }
            else if (sb.Length > 0)
            {
                words.Add(sb.ToString());
                sb.Clear();
            }
        }
        if (sb.Length > 0)
            words.Add(sb.ToString());
        return words;
    }

    /// <summary>A shingle's hash: its word hashes rotated by position, so word order counts.</summary>
    private static ulong Feature(List<ulong> words, int start, int count)
    {
        ulong h = 0;
        for (var i = 0; i < count; i++)
            h ^= BitOperations.RotateLeft(Mix(words[start + i]), 21 * i);
        return Mix(h);
    }

    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>SplitMix64 finalizer: spreads FNV's weak low bits over all 64.</summary>
    internal static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
        return z ^ (z >> 31);
    }
}
