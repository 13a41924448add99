using Promethean.Core.Context;
using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.TestSupport;

namespace Promethean.Llm.Tests;

/// <summary>OPENAI_COMPAT.md embeddings: batches under the input and token caps, floats asked for, results matched by index.</summary>
public sealed class EmbeddingTests
{
    private static LlmEmbed Embed(IEnumerable<string> inputs, string endpoint = LlmHarness.Endpoint) =>
        new(endpoint, "", [.. inputs]) { Id = "5-1" };

    [Fact]
    public async Task Embed_OutOfOrderReply_MatchedByIndex()
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.ShuffleEmbeddings = true;
        var inputs = new[] { "alpha", "beta", "gamma", "delta" };
        var result = (await h.DispatchAsync(Embed(inputs))).ShouldBeOfType<LlmEmbedResult>();
        result.EffectId.ShouldBe("5-1");
        result.Model.ShouldBe("loopback-embed");
        result.Vectors.Length.ShouldBe(4);
        for (var i = 0; i < inputs.Length; i++)
            result.Vectors[i].ToArray().ShouldBe(LoopbackLlmServer.VectorFor(inputs[i]));
    }

    [Fact]
    public async Task Embed_AsksForFloatsWithConfiguredModel()
    {
        await using var h = await LlmHarness.StartAsync();
        await h.DispatchAsync(Embed(["one"]));
        var body = h.Server.Requests.Single().Json!;
        body["encoding_format"]!.GetValue<string>().ShouldBe("float");
        body["model"]!.GetValue<string>().ShouldBe("loopback-embed");
        body["input"]!.AsArray().Count.ShouldBe(1);
    }

    [Fact]
    public async Task Embed_MoreInputsThanBatchSize_SplitIntoBatchesInOrder()
    {
        await using var h = await LlmHarness.StartAsync(e => e.EmbeddingBatchSize = 3);
        h.Server.ShuffleEmbeddings = true;
        var inputs = Enumerable.Range(0, 8).Select(i => $"text {i}").ToArray();
        var result = (await h.DispatchAsync(Embed(inputs))).ShouldBeOfType<LlmEmbedResult>();
        h.Server.Requests.Select(r => r.Json!["input"]!.AsArray().Count).ShouldBe([3, 3, 2]);
        for (var i = 0; i < inputs.Length; i++)
            result.Vectors[i].ToArray().ShouldBe(LoopbackLlmServer.VectorFor(inputs[i]));
    }

    [Fact]
    public async Task Embed_InputsOverTokenCap_SplitByTokens()
    {
        await using var h = await LlmHarness.StartAsync(e => e.EmbeddingBatchTokens = 12);
        var text = "one two three four five six seven";
        var result = (await h.DispatchAsync(Embed([text, text, text, "short"]))).ShouldBeOfType<LlmEmbedResult>();
        result.Vectors.Length.ShouldBe(4);
        h.Server.RequestCount.ShouldBeGreaterThan(1);
        foreach (var r in h.Server.Requests)
        {
            var batch = r.Json!["input"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
            (batch.Count == 1 || batch.Sum(TokenCounter.For("").Count) <= 12).ShouldBeTrue();
        }
    }

    [Fact]
    public async Task Embed_DefaultBatchCap_Is2048Inputs()
    {
        await using var h = await LlmHarness.StartAsync();
        var inputs = Enumerable.Range(0, 2049).Select(i => $"t{i}").ToArray();
        var result = (await h.DispatchAsync(Embed(inputs))).ShouldBeOfType<LlmEmbedResult>();
        h.Server.Requests.Select(r => r.Json!["input"]!.AsArray().Count).ShouldBe([2048, 1]);
        result.Vectors.Length.ShouldBe(2049);
    }

    [Fact]
    public async Task Embed_Base64ReplyDespiteFloats_Decoded()
    {
        await using var h = await LlmHarness.StartAsync();
        var floats = new[] { 0.25f, -0.5f, 1f };
        var bytes = new byte[12];
        for (var i = 0; i < 3; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), floats[i]);
        h.Server.Embeddings.Enqueue(ScriptedReply.Json(200, $$"""{"data":[{"index":0,"embedding":"{{Convert.ToBase64String(bytes)}}"}]}"""));
        var result = (await h.DispatchAsync(Embed(["x"]))).ShouldBeOfType<LlmEmbedResult>();
        result.Vectors.Single().ToArray().ShouldBe(floats);
    }

    [Theory]
    [InlineData("""{"data":[{"index":0,"embedding":[1,0]},{"index":0,"embedding":[0,1]}]}""", "repeated")]
    [InlineData("""{"data":[{"index":0,"embedding":[1,0]}]}""", "asked for 2 embeddings, got 1")]
    [InlineData("""{"object":"list"}""", "no 'data' array")]
    [InlineData("""{"data":[1,2]}""", "malformed embeddings reply")]
    [InlineData("""{"data":[{"index":0,"embedding":["a"]},{"index":1,"embedding":[1]}]}""", "malformed embeddings reply")]
    [InlineData("""{"data":[{"index":0,"embedding":"!!notbase64"},{"index":1,"embedding":[1]}]}""", "malformed embeddings reply")]
    [InlineData("""{"data":[{"index":0,"embedding":[1,0]},{"index":1,"embedding":[1,0,0]}]}""", "different sizes")]
    public async Task Embed_BadReply_ErrorEvent(string body, string expected)
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Embeddings.Enqueue(ScriptedReply.Json(200, body));
        var error = (await h.DispatchAsync(Embed(["a", "b"]))).ShouldBeOfType<EffectError>();
        error.Type.ShouldBe("llm/embed.error");
        error.Message.ShouldContain(expected);
    }

    [Fact]
    public async Task Embed_ServerError_MessageSurfacedInEmbedError()
    {
        await using var h = await LlmHarness.StartAsync();
        h.Server.Embeddings.Enqueue(ScriptedReply.Json(400, """{"error":"this model does not support embeddings"}"""));
        var error = (await h.DispatchAsync(Embed(["a"]))).ShouldBeOfType<EffectError>();
        error.Message.ShouldContain("this model does not support embeddings");
    }

    [Fact]
    public async Task Embed_NoInputs_EmptyResultWithoutCall()
    {
        await using var h = await LlmHarness.StartAsync();
        var result = (await h.DispatchAsync(Embed([]))).ShouldBeOfType<LlmEmbedResult>();
        result.Vectors.ShouldBeEmpty();
        h.Server.RequestCount.ShouldBe(0);
    }
}
