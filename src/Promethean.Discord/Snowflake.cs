using System.Globalization;

namespace Promethean.Discord;

/// <summary>Discord ids: 64-bit unsigned, sent as strings. Parsed as <c>ulong</c>, never through double or long math.</summary>
public static class Snowflake
{
    /// <summary>Discord's epoch (2015-01-01) in Unix milliseconds.</summary>
    public const long DiscordEpochMs = 1_420_070_400_000;

    public static bool TryParse(string? text, out ulong id) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id);

    public static ulong Parse(string? text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a Discord snowflake");

    public static string Format(ulong id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>Creation time encoded in the id's top 42 bits.</summary>
    public static long TimestampMs(ulong id) => (long)(id >> 22) + DiscordEpochMs;
}
