using System.Security.Cryptography;
using System.Text;

namespace Promethean.Discord;

/// <summary>
/// The nonce of each message part: the effect id for the first part, <c>{id}.{part}</c> after it. Both
/// are deterministic, so a re-dispatched effect sends the same nonces and Discord (with
/// <c>enforce_nonce</c>) returns the original messages instead of posting again.
/// </summary>
public static class MessageNonce
{
    /// <summary>Discord's limit on a nonce's length.</summary>
    public const int MaxLength = 25;

    public static string For(string effectId, int part)
    {
        var nonce = part == 0 ? effectId : $"{effectId}.{part}";
        if (nonce.Length <= MaxLength)
            return nonce;
        // Too long (a huge tick number): a deterministic hash of the same text, still unique per part.
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(nonce));
        return "h" + Convert.ToHexStringLower(hash)[..(MaxLength - 1)];
    }
}
