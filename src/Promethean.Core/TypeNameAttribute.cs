namespace Promethean.Core;

/// <summary>The seed's type string of an event or effect record, e.g. <c>fs/read.result</c>.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class TypeNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
