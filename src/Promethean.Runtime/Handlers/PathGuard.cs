using System.Security.Cryptography;
using System.Text;

namespace Promethean.Runtime.Handlers;

/// <summary>
/// Confines file effects to configured roots: relative paths resolve against the base directory,
/// <c>..</c> segments are refused outright, and symlinks are followed so none can lead outside a root.
/// </summary>
public sealed class PathGuard
{
    private readonly string _baseDir;
    private readonly string[] _roots;

    public PathGuard(string baseDirectory, IEnumerable<string> roots, long maxFileBytes)
    {
        _baseDir = Path.GetFullPath(baseDirectory);
        _roots = [.. roots.Select(r => RealPath(Path.GetFullPath(Path.Combine(_baseDir, r))))];
        MaxFileBytes = maxFileBytes;
    }

    public long MaxFileBytes { get; }

    public string BaseDirectory => _baseDir;

    public IReadOnlyList<string> Roots => _roots;

    /// <summary>The absolute path for <paramref name="path"/>, or an <see cref="EffectFailedException"/> naming why not.</summary>
    public string Resolve(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new EffectFailedException("empty path");
        if (path.Contains('\0', StringComparison.Ordinal))
            throw new EffectFailedException("path contains a NUL character");
        var segments = path.Replace('\\', '/').Split('/');
        if (segments.Any(s => s == ".."))
            throw new EffectFailedException($"path '{path}' contains '..': refused");
        var full = Path.GetFullPath(Path.Combine(_baseDir, path));
        var real = RealPath(full);
        if (!_roots.Any(root => IsInside(real, root)))
            throw new EffectFailedException($"path '{path}' resolves outside the configured roots: refused");
        return full;
    }

    /// <summary>The path relative to the base directory with forward slashes, as events carry it.</summary>
    public string Relative(string fullPath) => Path.GetRelativePath(_baseDir, fullPath).Replace('\\', '/');

    /// <summary>Reads a text file: size cap, binary and invalid UTF-8 are clear errors.</summary>
    public (string Text, string Hash) ReadText(string fullPath)
    {
        var info = new FileInfo(fullPath);
        if (!info.Exists)
            throw new EffectFailedException($"file not found: {Relative(fullPath)}");
        if (info.Length > MaxFileBytes)
            throw new EffectFailedException($"file too large: {Relative(fullPath)} is {info.Length} bytes, the cap is {MaxFileBytes}");
        var bytes = File.ReadAllBytes(fullPath);
        return (DecodeText(bytes, Relative(fullPath)), HashOf(bytes));
    }

    public static string DecodeText(byte[] bytes, string name)
    {
        if (bytes.AsSpan(0, Math.Min(bytes.Length, 8192)).Contains((byte)0))
            throw new EffectFailedException($"binary file skipped: {name}");
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new EffectFailedException($"invalid UTF-8 in {name}");
        }
    }

    public static string HashOf(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string HashOf(string text) => HashOf(Encoding.UTF8.GetBytes(text));

    private static bool IsInside(string path, string root) =>
        path == root || path.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>Resolves symlinks component by component; missing tails are kept as written.</summary>
    public static string RealPath(string fullPath)
    {
        var root = Path.GetPathRoot(fullPath) ?? "/";
        var current = root;
        var parts = fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (!info.Exists)
                return Path.Combine([next, .. parts[(i + 1)..]]);
            var target = info.LinkTarget is null ? null : info.ResolveLinkTarget(returnFinalTarget: true);
            current = target is null ? next : RealPath(Path.GetFullPath(target.FullName));
        }
        return current;
    }
}
