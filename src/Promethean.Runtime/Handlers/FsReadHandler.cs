using Promethean.Core.Effects;
using Promethean.Core.Events;

namespace Promethean.Runtime.Handlers;

/// <summary>Runs <c>fs/read</c>: a text file inside the roots, under the size cap, valid UTF-8.</summary>
public sealed class FsReadHandler(PathGuard guard) : EffectHandler<FsRead>
{
    protected override Task<Event> HandleAsync(FsRead effect, CancellationToken cancellationToken)
    {
        var full = guard.Resolve(effect.Path);
        var (text, hash) = guard.ReadText(full);
        return Task.FromResult<Event>(new FsReadResult(effect.Id, effect.Path, text, hash) { Meta = effect.Meta });
    }
}
