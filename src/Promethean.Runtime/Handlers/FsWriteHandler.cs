using System.Text;
using Promethean.Core.Effects;
using Promethean.Core.Events;

namespace Promethean.Runtime.Handlers;

/// <summary>
/// Runs <c>fs/write</c>: atomic temp file + rename inside the roots. With an expected hash the write
/// happens only if the file is unchanged; a file that already holds the new content counts as written,
/// which makes a re-dispatch after a crash harmless.
/// </summary>
public sealed class FsWriteHandler(PathGuard guard) : EffectHandler<FsWrite>
{
    protected override async Task<Event> HandleAsync(FsWrite effect, CancellationToken cancellationToken)
    {
        var full = guard.Resolve(effect.Path);
        var bytes = Encoding.UTF8.GetBytes(effect.Content);
        if (bytes.LongLength > guard.MaxFileBytes)
            throw new EffectFailedException($"content too large: {bytes.LongLength} bytes, the cap is {guard.MaxFileBytes}");
        var newHash = PathGuard.HashOf(bytes);
        if (File.Exists(full))
        {
            var currentHash = PathGuard.HashOf(await File.ReadAllBytesAsync(full, cancellationToken));
            if (currentHash == newHash)
                return Result(effect, newHash);
            if (effect.ExpectedHash is not null && currentHash != effect.ExpectedHash)
                throw new EffectFailedException($"file changed since it was read: {effect.Path}");
        }
        else if (effect.ExpectedHash is not null)
        {
            throw new EffectFailedException($"file vanished since it was read: {effect.Path}");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{effect.Id}.tmp");
        try
        {
            await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
                await stream.WriteAsync(bytes, cancellationToken);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
        return Result(effect, newHash);
    }

    private static FsWriteResult Result(FsWrite effect, string hash) => new(effect.Id, effect.Path, hash) { Meta = effect.Meta };
}
