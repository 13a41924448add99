using CsCheck;

namespace Promethean.Llm.Tests;

public sealed class ThinkTagsTests
{
    [Fact]
    public void Strip_AnyThoughtBeforeLastClose_RemovedEntirely() =>
        Gen.Select(Gen.String, Gen.String.Where(s => !s.Contains("think>", StringComparison.OrdinalIgnoreCase))).Sample((thought, answer) =>
        {
            var (text, stripped) = ThinkTags.Strip("<think>" + thought + "</think>" + answer);
            return text == answer.Trim() && stripped is not null;
        }, iter: 300);

    [Fact]
    public void Strip_UppercaseTags_Stripped() =>
        ThinkTags.Strip("<THINK>x</THINK>y").Text.ShouldBe("y");
}
