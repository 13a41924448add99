using System.Text;
using CsCheck;

namespace Promethean.Discord.Tests;

/// <summary>Message splitting: at most 2000 code points a part, surrogate pairs whole, newline boundaries preferred, nothing lost.</summary>
public sealed class MessageSplitterTests
{
    private static readonly Gen<string> Texts = Gen.OneOf(
        Gen.Char.Array[0, 5000].Select(c => new string(c)),
        Gen.OneOfConst("a", "é", "😀", "\n", " ", "👩‍💻", "漢").Array[0, 4500].Select(string.Concat));

    [Fact]
    public void Split_AnyText_PartsConcatenateToTheInputWithinTheLimit() =>
        Texts.Sample(text =>
        {
            var parts = MessageSplitter.Split(text);
            string.Concat(parts).ShouldBe(text);
            parts.ShouldAllBe(p => p.Length > 0 && MessageSplitter.CodePoints(p) <= MessageSplitter.MaxCodePoints);
            for (var i = 1; i < parts.Count; i++)
            {
                var splitPair = char.IsHighSurrogate(parts[i - 1][^1]) && char.IsLowSurrogate(parts[i][0]);
                splitPair.ShouldBeFalse();
            }
        }, iter: 300);

    [Fact]
    public void Split_EmojiAcrossTheBoundary_KeepsThePairTogether()
    {
        var text = new string('a', 1999) + "😀😀";

        var parts = MessageSplitter.Split(text);

        parts.Count.ShouldBe(2);
        parts[0].ShouldBe(new string('a', 1999) + "😀");
        parts[0].Length.ShouldBe(2001);
        parts[1].ShouldBe("😀");
    }

    [Fact]
    public void Split_TextWithNewlines_CutsAfterTheLastNewlineInTheWindow()
    {
        var text = new string('x', 1500) + "\n" + new string('y', 800);

        var parts = MessageSplitter.Split(text);

        parts.ShouldBe([new string('x', 1500) + "\n", new string('y', 800)]);
    }

    [Fact]
    public void Split_UpToTheLimit_IsOnePart()
    {
        var text = string.Concat(Enumerable.Repeat("😀", 2000));

        MessageSplitter.Split(text).ShouldHaveSingleItem().ShouldBe(text);
        MessageSplitter.CodePoints(text).ShouldBe(2000);
        Encoding.UTF8.GetByteCount(text).ShouldBe(8000);
    }

    [Theory]
    [InlineData("12-3", 0, "12-3")]
    [InlineData("12-3", 2, "12-3.2")]
    [InlineData("9223372036854775807-12", 0, "9223372036854775807-12")]
    public void NonceFor_ShortIds_IsTheIdWithAPartSuffix(string id, int part, string nonce) =>
        MessageNonce.For(id, part).ShouldBe(nonce);

    [Fact]
    public void NonceFor_LongIds_StaysWithin25CharsAndDistinct()
    {
        var id = "9223372036854775807-1234";

        var nonces = Enumerable.Range(0, 50).Select(i => MessageNonce.For(id, i)).ToList();

        nonces.ShouldAllBe(n => n.Length <= 25);
        nonces.Distinct().Count().ShouldBe(50);
        MessageNonce.For(id, 7).ShouldBe(nonces[7]);
    }
}
