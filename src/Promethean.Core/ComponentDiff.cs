namespace Promethean.Core;

/// <summary>A component that changed between two worlds: added, replaced, or removed (<see cref="Component"/> null).</summary>
public readonly record struct ComponentChange(ComponentTable Table, EntityId Id, object? Before, object? Component);

/// <summary>
/// The components that differ between two worlds, compared by reference: immutable values that were not
/// touched keep their identity, and so do the subtrees of a table's tree that hold no change, so a table
/// costs in proportion to its changes and an untouched table nothing.
/// </summary>
public static class ComponentDiff
{
    public static IEnumerable<ComponentChange> Changes(World previous, World next) =>
        ComponentTables.All.SelectMany(table => Changes(table, previous, next));

    /// <summary>
    /// The changes in one table, in entity order: through the trees' shared subtrees (<see cref="SortedTreeDiff"/>)
    /// when the runtime allows, else by <see cref="Walk"/>.
    /// </summary>
    public static IEnumerable<ComponentChange> Changes(ComponentTable table, World previous, World next) =>
        ReferenceEquals(table.Reference(previous), table.Reference(next)) ? [] : table.Changes(previous, next);

    /// <summary>The changes in one table found by walking every entry of both (the reference for the tree diff).</summary>
    public static IEnumerable<ComponentChange> Walk(ComponentTable table, World previous, World next)
    {
        if (ReferenceEquals(table.Reference(previous), table.Reference(next)))
            yield break;
        using var a = table.Entries(previous).GetEnumerator();
        using var b = table.Entries(next).GetEnumerator();
        var hasA = a.MoveNext();
        var hasB = b.MoveNext();
        while (hasA || hasB)
        {
            var cmp = !hasA ? 1 : !hasB ? -1 : a.Current.Key.CompareTo(b.Current.Key);
            if (cmp < 0)
            {
                yield return new ComponentChange(table, a.Current.Key, a.Current.Value, null);
                hasA = a.MoveNext();
            }
            else if (cmp > 0)
            {
                yield return new ComponentChange(table, b.Current.Key, null, b.Current.Value);
                hasB = b.MoveNext();
            }
            else
            {
                if (!ReferenceEquals(a.Current.Value, b.Current.Value))
                    yield return new ComponentChange(table, b.Current.Key, a.Current.Value, b.Current.Value);
                hasA = a.MoveNext();
                hasB = b.MoveNext();
            }
        }
    }
}
