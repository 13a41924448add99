using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Runtime.Handlers;

namespace Promethean.Llm;

/// <summary>Runs <c>llm/embed</c> against the named endpoint (by default the local MiniLM) and answers <c>llm/embed.result</c>, vectors in input order.</summary>
public sealed class LlmEmbedHandler(LlmRouter router) : EffectHandler<LlmEmbed>
{
    protected override async Task<Event> HandleAsync(LlmEmbed effect, CancellationToken cancellationToken)
    {
        var endpoint = router.ForEmbeddings(effect.Endpoint);
        var model = string.IsNullOrEmpty(effect.Model) ? endpoint.Config.EmbeddingModel : effect.Model;
        var result = effect.Inputs.IsEmpty
            ? new EmbeddingResult([], model, [])
            : await endpoint.Embeddings!.EmbedAsync(effect.Inputs, model,
                background: effect.Meta.GetValueOrDefault("purpose") == Core.Systems.EmbeddingWorkerSystem.Purpose, cancellationToken);
        return new LlmEmbedResult(effect.Id, result.Model, result.Vectors) { Meta = effect.Meta };
    }
}
