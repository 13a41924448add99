using System.Collections.Immutable;

namespace Promethean.Core.Components;

/// <summary>A contract applied to files matching any of the globs (<c>**</c>, <c>*</c>, <c>?</c>; forward slashes).</summary>
public sealed record SentinelBinding(string Name, ImmutableArray<string> Globs, Contract Contract);
