using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Runtime.Handlers;

namespace Promethean.Inspector.Tests;

/// <summary>The model at the process edge: answers every <c>llm/chat</c> with a fixed reply, usage and latency.</summary>
internal sealed class FakeLlmHandler : EffectHandler<LlmChat>
{
    protected override Task<Event> HandleAsync(LlmChat effect, CancellationToken cancellationToken) =>
        Task.FromResult<Event>(new LlmResponse(effect.Id, "Deploys are green today.", [], "stop", new LlmUsage(930, 42, Estimated: false), 180, effect.Model, effect.Endpoint)
        {
            Meta = effect.Meta,
        });
}
