using CsCheck;
using Promethean.Core.Sentinels;

namespace Promethean.Core.Tests.Sentinels;

public sealed class ContractValidatorsTests
{
    private static Dictionary<string, FieldValue> Valid() => new(StringComparer.Ordinal)
    {
        ["title"] = FieldValue.Of("Hello world"),
        ["slug"] = FieldValue.Of("hello-world"),
        ["description"] = FieldValue.Of("A short note. It says hello."),
        ["tags"] = FieldValue.List(["greeting", "c-sharp"]),
        ["tagged_at"] = FieldValue.Of("2026-11-25T10:00:00Z"),
        ["author"] = FieldValue.Of("ada"),
    };

    private static System.Collections.Immutable.ImmutableArray<Violation> Check(string field, FieldValue value)
    {
        var fields = Valid();
        fields[field] = value;
        return ContractValidators.Validate(Contracts.FrontmatterV1, fields);
    }

    [Fact]
    public void Validate_AllFieldsValid_NoViolations() =>
        ContractValidators.Validate(Contracts.FrontmatterV1, Valid()).ShouldBeEmpty();

    [Theory]
    [InlineData("title", "")]
    [InlineData("title", "two\nlines")]
    [InlineData("slug", "Hello World")]
    [InlineData("slug", "hello--world")]
    [InlineData("slug", "-hello")]
    [InlineData("description", "")]
    [InlineData("description", "One. Two. Three.")]
    [InlineData("description", "no final stop")]
    [InlineData("tagged_at", "2026-11-25 10:00:00")]
    [InlineData("tagged_at", "2026-11-25T10:00:00+02:00")]
    [InlineData("tagged_at", "2026-13-25T10:00:00Z")]
    public void Validate_BadScalar_NamesFieldAndRule(string field, string value)
    {
        var violation = Check(field, FieldValue.Of(value)).ShouldHaveSingleItem();
        violation.Field.ShouldBe(field);
        violation.Message.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public void Validate_MissingField_IsRequiredViolation()
    {
        var fields = Valid();
        fields.Remove("slug");
        var v = ContractValidators.Validate(Contracts.FrontmatterV1, fields).ShouldHaveSingleItem();
        (v.Field, v.Rule).ShouldBe(("slug", "required"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a,a")]
    [InlineData("Not Kebab")]
    [InlineData("a,b,c,d,e,f,g,h,i,j,k,l,m")]
    public void Validate_BadTags_IsKebabListViolation(string tags) =>
        Check("tags", FieldValue.List(tags.Split(',', StringSplitOptions.RemoveEmptyEntries))).ShouldHaveSingleItem().Rule.ShouldBe("kebab-list");

    [Fact]
    public void Validate_TagsAsScalar_IsViolation() =>
        Check("tags", FieldValue.Of("a, b")).ShouldHaveSingleItem().Field.ShouldBe("tags");

    [Fact]
    public void Validate_UnknownKeys_AreIgnored() =>
        Check("whatever", FieldValue.Other).ShouldBeEmpty();

    [Fact]
    public void IsKebab_GeneratedKebab_AlwaysTrue() =>
        Gen.String[Gen.Char.AlphaNumeric, 1, 30].Sample(s =>
        {
            var k = FrontmatterHeuristics.Kebab(s);
            return k.Length == 0 || ContractValidators.IsKebab(k);
        });
}
