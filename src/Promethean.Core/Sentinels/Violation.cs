namespace Promethean.Core.Sentinels;

/// <summary>One way a candidate output breaks its contract: the field, the rule and a message a model can act on.</summary>
public sealed record Violation(string Field, string Rule, string Message)
{
    public override string ToString() => $"{Field}: {Message} [{Rule}]";
}
