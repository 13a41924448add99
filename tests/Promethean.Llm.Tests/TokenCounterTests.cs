using Promethean.Core.Context;
using CsCheck;
using Promethean.Core.Effects;

namespace Promethean.Llm.Tests;

public sealed class TokenCounterTests
{
    [Theory]
    [InlineData("gpt-4o-mini", "o200k")]
    [InlineData("gpt-4.1", "o200k")]
    [InlineData("gpt-5", "o200k")]
    [InlineData("o3-mini", "o200k")]
    [InlineData("openai/gpt-oss-20b", "o200k")]
    [InlineData("gpt-4", "cl100k")]
    [InlineData("gpt-4-turbo", "cl100k")]
    [InlineData("gpt-3.5-turbo", "cl100k")]
    [InlineData("text-embedding-3-small", "cl100k")]
    [InlineData("llama3.1:8b", "o200k")]
    public void For_ModelFamily_PicksEncoding(string model, string encoding) =>
        TokenCounter.For(model).Encoding.ShouldBe(encoding);

    [Fact]
    public void For_ConfiguredTokenizer_OverridesFamily()
    {
        TokenCounter.For("llama3", "cl100k").Encoding.ShouldBe("cl100k");
        TokenCounter.For("gpt-4", "o200k_base").Encoding.ShouldBe("o200k");
        Should.Throw<ArgumentException>(() => TokenCounter.For("x", "sentencepiece"));
    }

    [Fact]
    public void Count_KnownText_MatchesTiktoken()
    {
        TokenCounter.For("gpt-4").Count("hello world").ShouldBe(2);
        TokenCounter.For("gpt-4o").Count("hello world").ShouldBe(2);
        TokenCounter.For("gpt-4o").Count("").ShouldBe(0);
    }

    [Fact]
    public void CountMessages_AddsPerMessageOverhead()
    {
        var counter = TokenCounter.For("gpt-4o");
        ChatMessage[] messages = [new("system", "hello world"), new("user", "hello world")];
        counter.CountMessages(messages).ShouldBe(2 * (TokenCounter.PerMessageOverhead + 2) + TokenCounter.ReplyPriming);
    }

    [Fact]
    public void Count_Concatenation_AtMostSumPlusOne() =>
        Gen.Select(Gen.String, Gen.String).Sample((a, b) =>
        {
            var c = TokenCounter.For("gpt-4o");
            return c.Count(a + b) <= c.Count(a) + c.Count(b) + 1;
        }, iter: 200);
}
