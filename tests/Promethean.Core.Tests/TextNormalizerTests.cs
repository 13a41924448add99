using CsCheck;
using Promethean.Core.Systems;

namespace Promethean.Core.Tests;

public sealed class TextNormalizerTests
{
    /// <summary>Letters, every kind of blank the normalizer collapses, and a base letter with a combining mark (not NFC).</summary>
    private static readonly Gen<string> Texts = Gen.OneOf(
            Gen.Char["ab"], Gen.Char[" \n\r\t"], Gen.Const('\u00A0'), Gen.Const('\u2028'), Gen.Const('\u0301'), Gen.Const('\u00E9'))
        .Array[0, 24].Select(chars => new string(chars));

    [Fact]
    public void Normalize_AnyText_EqualsTheFullRewrite()
    {
        Texts.Sample(text => TextNormalizer.Normalize(text) == TextNormalizer.Rewrite(text), iter: 20_000);
    }

    [Fact]
    public void Normalize_AnyText_IsIdempotentAndAnswersANormalTextWithItself()
    {
        Texts.Sample(text =>
        {
            var normal = TextNormalizer.Normalize(text);
            return TextNormalizer.Normalize(normal) == normal && (normal.Length == 0 || TextNormalizer.IsNormal(normal))
                && (!TextNormalizer.IsNormal(text) || ReferenceEquals(TextNormalizer.Normalize(text), text));
        }, iter: 20_000);
    }

    [Fact]
    public void Normalize_UnpairedSurrogates_BecomeReplacementCharactersAndTheRestStays()
    {
        (string Text, string Expected)[] cases =
        [
            ("half \ud800 alone", "half \ufffd alone"),
            ("\udc00 low first", "\ufffd low first"),
            ("swapped \udc00\ud800 pair", "swapped \ufffd\ufffd pair"),
            ("ends high \ud800", "ends high \ufffd"),
            ("a duck \ud83e\udd86  stays", "a duck \ud83e\udd86 stays"),
            ("e\u0301 \ud800", "\u00e9 \ufffd"),
        ];
        foreach (var (text, expected) in cases)
            TextNormalizer.Normalize(text).ShouldBe(expected);
    }

    [Fact]
    public void Normalize_TextWithSurrogatesPairedOrNot_NeverThrowsAndIsValidAndNormal()
    {
        Gen.OneOf(Gen.Char["ab \n"], Gen.Const('\ud800'), Gen.Const('\udc00'), Gen.Const('\u0301')).Array[0, 16].Select(chars => new string(chars))
            .Sample(text =>
            {
                var normal = TextNormalizer.Normalize(text);
                return !TextNormalizer.HasUnpairedSurrogate(normal) && (normal.Length == 0 || TextNormalizer.IsNormal(normal))
                    && TextNormalizer.HasUnpairedSurrogate(text) == (TextNormalizer.HasUnpairedSurrogate(text) && normal.Contains('\ufffd', StringComparison.Ordinal));
            }, iter: 20_000);
    }

    [Theory]
    [InlineData("a b\nc\n\nd", true)]
    [InlineData("a  b", false)]
    [InlineData("a\n\n\nb", false)]
    [InlineData("a \nb", false)]
    [InlineData("a\n b", false)]
    [InlineData("a\r\nb", false)]
    [InlineData(" a", false)]
    [InlineData("a\n", false)]
    [InlineData("e\u0301", false)]
    public void IsNormal_Cases(string text, bool normal)
    {
        TextNormalizer.IsNormal(text).ShouldBe(normal);
        (TextNormalizer.Rewrite(text) == text).ShouldBe(normal);
    }
}
