using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Promethean.Core.Events;
using Promethean.Runtime.Handlers;

namespace Promethean.Runtime.Adapters;

/// <summary>
/// Produces <c>fs.file/created</c> and <c>fs.file/modified</c> for files under the watched folders.
/// An OS watcher gives quick notice (debounced per path); a full rescan at start and on a period
/// catches whatever the watcher dropped. A file is announced only when its content hash changes.
/// </summary>
public sealed class FsWatcherAdapter : IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(200);

    private readonly PathGuard _guard;
    private readonly IReadOnlyList<string> _folders;
    private readonly HashSet<string> _extensions;
    private readonly TimeSpan _rescanEvery;
    private readonly ChannelWriter<Event> _inbound;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, string> _known = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTime> _dirty = new(StringComparer.Ordinal);
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly SemaphoreSlim _scanGate = new(1, 1);

    public FsWatcherAdapter(PathGuard guard, IEnumerable<string> folders, IEnumerable<string> extensions, TimeSpan rescanEvery,
        ChannelWriter<Event> inbound, ILogger log)
    {
        _guard = guard;
        _folders = [.. folders.Select(f => Path.GetFullPath(Path.Combine(guard.BaseDirectory, f)))];
        _extensions = new HashSet<string>(extensions, StringComparer.OrdinalIgnoreCase);
        _rescanEvery = rescanEvery;
        _inbound = inbound;
        _log = log;
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        foreach (var folder in _folders.Where(Directory.Exists))
        {
            var watcher = new FileSystemWatcher(folder) { IncludeSubdirectories = true, EnableRaisingEvents = false };
            watcher.Created += (_, e) => _dirty[e.FullPath] = DateTime.UtcNow;
            watcher.Changed += (_, e) => _dirty[e.FullPath] = DateTime.UtcNow;
            watcher.Renamed += (_, e) => _dirty[e.FullPath] = DateTime.UtcNow;
            watcher.Error += (_, e) => _log.LogWarning("file watcher error on {Folder}: {Error}; the rescan will catch up", folder, e.GetException().Message);
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
        foreach (var missing in _folders.Where(f => !Directory.Exists(f)))
            _log.LogInformation("watched folder {Folder} does not exist yet; the rescan will pick it up", _guard.Relative(missing));

        var lastScan = DateTime.MinValue;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                if (DateTime.UtcNow - lastScan >= _rescanEvery)
                {
                    await RescanAsync(stopping);
                    lastScan = DateTime.UtcNow;
                }
                foreach (var (path, at) in _dirty.ToArray())
                {
                    if (DateTime.UtcNow - at < Debounce)
                        continue;
                    _dirty.TryRemove(path, out _);
                    await CheckAsync(path, stopping);
                }
                await Task.Delay(Debounce, stopping);
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    /// <summary>Walks every watched folder once and announces new or changed files.</summary>
    public async Task RescanAsync(CancellationToken stopping)
    {
        await _scanGate.WaitAsync(stopping);
        try
        {
            foreach (var folder in _folders.Where(Directory.Exists))
            {
                var files = Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
                    .Order(StringComparer.Ordinal);
                foreach (var file in files)
                    await CheckAsync(file, stopping);
            }
        }
        finally
        {
            _scanGate.Release();
        }
    }

    private async Task CheckAsync(string fullPath, CancellationToken stopping)
    {
        if (!_extensions.Contains(Path.GetExtension(fullPath)) || Path.GetFileName(fullPath).StartsWith('.'))
            return;
        var relative = _guard.Relative(fullPath);
        string hash;
        long size;
        try
        {
            _guard.Resolve(relative);
            var info = new FileInfo(fullPath);
            if (!info.Exists)
                return;
            size = info.Length;
            if (size > _guard.MaxFileBytes)
            {
                if (_known.TryAdd(fullPath, "too-large"))
                    _log.LogWarning("skipping {Path}: {Size} bytes is over the {Cap} byte cap", relative, size, _guard.MaxFileBytes);
                return;
            }
            hash = PathGuard.HashOf(await File.ReadAllBytesAsync(fullPath, stopping));
        }
        catch (EffectFailedException e)
        {
            if (_known.TryAdd(fullPath, "refused"))
                _log.LogWarning("skipping {Path}: {Reason}", relative, e.Message);
            return;
        }
        catch (IOException e)
        {
            _log.LogDebug("could not read {Path} yet: {Reason}", relative, e.Message);
            _dirty[fullPath] = DateTime.UtcNow;
            return;
        }

        var existed = _known.TryGetValue(fullPath, out var previous);
        if (existed && previous == hash)
            return;
        _known[fullPath] = hash;
        Event e2 = existed ? new FsFileModified(relative, hash, size) : new FsFileCreated(relative, hash, size);
        await _inbound.WriteAsync(e2, stopping);
    }

    public void Dispose()
    {
        foreach (var w in _watchers)
            w.Dispose();
        _scanGate.Dispose();
    }
}
