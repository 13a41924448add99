using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Promethean.Core.Ingest;

/// <summary>
/// Lower-case hex SHA-256 of a string's UTF-8 bytes, the content ids of ingest (memory ids, content
/// hashes, spam families), without the intermediate arrays: ingest computes several per message.
/// </summary>
public static class Sha256Hex
{
    private const int StackBytes = 1024;

    /// <summary>All 64 hex digits.</summary>
    public static string Of(string text) => Of(text, 2 * SHA256.HashSizeInBytes);

    /// <summary>The first <paramref name="hexDigits"/> (even, at most 64) hex digits.</summary>
    public static string Of(string text, int hexDigits)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        var buffer = max <= StackBytes ? stackalloc byte[StackBytes] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            Serialization.Sha256.Of(buffer[..length], hash);
            return Convert.ToHexStringLower(hash[..Math.Min(hexDigits / 2, hash.Length)]);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
