namespace Promethean.Core.Sentinels;

/// <summary>Keys a sentinel puts in its effects' meta, so outcomes route back and providers see the context.</summary>
public static class SentinelMeta
{
    public const string Sentinel = "sentinel";
    public const string Contract = "contract";
    public const string Path = "path";
    public const string Now = "now";
    public const string Attempt = "attempt";
    public const string Generation = "generation";
}
