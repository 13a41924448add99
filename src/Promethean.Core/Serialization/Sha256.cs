using System.Security.Cryptography;

namespace Promethean.Core.Serialization;

/// <summary>
/// SHA-256 through one reused hash object per thread. A one-shot <see cref="SHA256.HashData(ReadOnlySpan{byte})"/>
/// sets up and frees a native context per call, which costs more than hashing a 200-byte event; the world hash and
/// ingest hash thousands of small inputs a tick. Same digests as the one-shot call.
/// </summary>
public static class Sha256
{
    [ThreadStatic]
    private static IncrementalHash? t_hash;

    private static IncrementalHash Hash => t_hash ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public static byte[] Of(ReadOnlySpan<byte> data)
    {
        var hash = Hash;
        hash.AppendData(data);
        return hash.GetHashAndReset();
    }

    /// <summary>Writes the digest of <paramref name="data"/> into <paramref name="destination"/> (32 bytes).</summary>
    public static void Of(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var hash = Hash;
        hash.AppendData(data);
        hash.GetHashAndReset(destination);
    }
}
