using System.Collections.Immutable;

namespace Promethean.Core.Components;

/// <summary>A bounded ring of one-line summaries of the latest events (seed 12.1).</summary>
public sealed record DebugLastEvents(ImmutableArray<string> Entries, int Capacity = 64) : Component
{
    public DebugLastEvents Push(IEnumerable<string> lines)
    {
        var all = Entries.AddRange(lines);
        return this with { Entries = all.Length <= Capacity ? all : all[(all.Length - Capacity)..] };
    }
}
