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
    /// when the runtime allows, else by walking both tables' entries.
    /// </summary>
    public static IEnumerable<ComponentChange> Changes(ComponentTable table, World previous, World next) =>
        ReferenceEquals(table.Reference(previous), table.Reference(next)) ? [] : table.Changes(previous, next);
}
