using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Systems;
using Promethean.Runtime;

namespace Promethean.Cli;

/// <summary>Follows the engine's commits for the janitor's report files: the writes it asked for, which landed and which failed.</summary>
internal sealed class ReportWatch
{
    private readonly Dictionary<string, string> _writes = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<string> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ReportWatch(Engine engine) => engine.Committed += tick =>
    {
        foreach (var outcome in engine.World.EventsIn)
        {
            if (outcome is FsWriteResult r && _writes.TryGetValue(r.EffectId, out var path))
            {
                Written.Add(path);
                _first.TrySetResult(path);
            }
            if (outcome is EffectError e && _writes.TryGetValue(e.EffectId, out var failed))
                Failures.Add($"{failed}: {e.Message}");
        }
        foreach (var w in tick.Effects.OfType<FsWrite>().Where(w => w.Meta.GetValueOrDefault(CephalonSystem.PurposeKey) == CephalonSystem.ReportPurpose))
            _writes[w.Id] = w.Path;
    };

    /// <summary>Report paths (relative to the file base directory) written so far.</summary>
    public List<string> Written { get; } = [];

    /// <summary>Report writes the file handler refused, with its reason.</summary>
    public List<string> Failures { get; } = [];

    /// <summary>Completes with the path of the first report written.</summary>
    public Task<string> FirstWritten => _first.Task;
}
