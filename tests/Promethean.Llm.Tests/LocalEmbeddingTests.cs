using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Llm.Local;

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

    private static double Dot(IEnumerable<float> a, IEnumerable<float> b) => a.Zip(b, (x, y) => (double)x * y).Sum();
}
