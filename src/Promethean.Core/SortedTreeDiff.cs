using System.Collections.Immutable;
using System.Linq.Expressions;
using System.Reflection;

namespace Promethean.Core;

/// <summary>
/// The entries that differ between two <see cref="ImmutableSortedDictionary{TKey, TValue}"/>s, found by walking their
/// AVL trees side by side and skipping every subtree the two share. A world table that changed in a few entries shares
/// all but a few root-to-leaf paths with the previous tick's, so the diff costs O(changes x log n) instead of a walk of
/// every entry (5.8 ms for a 100k-entry table, done for the hash and again for the commit, on every tick that touched it).
/// <para>
/// The trees are read through the collection's private fields (<c>_root</c>; a node's <c>_key</c>, <c>_value</c>,
/// <c>_height</c>, <c>_left</c>, <c>_right</c>). They are an implementation detail of System.Collections.Immutable, so
/// when they are not found, <see cref="Available{TKey, TValue}"/> is false and callers walk the entries instead; a test fails if the
/// fast path is lost. The result is the same either way: changes in key order, values compared by reference.
/// </para>
/// </summary>
public static class SortedTreeDiff
{
    /// <summary>Whether the trees of these dictionaries can be read; when false, <see cref="Changes"/> walks every entry instead.</summary>
    public static bool Available<TKey, TValue>()
        where TKey : notnull
        where TValue : class => Tree<TKey, TValue>.Available;

    /// <summary>
    /// Adds to <paramref name="changes"/> each key whose value differs (by reference) between <paramref name="before"/>
    /// and <paramref name="after"/>, in key order: (key, before or null, after or null). Through the trees when
    /// <see cref="Available{TKey, TValue}"/>, else by walking both dictionaries' entries side by side (same result).
    /// </summary>
    public static void Changes<TKey, TValue>(
        ImmutableSortedDictionary<TKey, TValue> before, ImmutableSortedDictionary<TKey, TValue> after, List<(TKey Key, TValue? Before, TValue? After)> changes)
        where TKey : notnull
        where TValue : class
    {
        if (ReferenceEquals(before, after))
            return;
        if (Tree<TKey, TValue>.Available)
            Tree<TKey, TValue>.Changes(before, after, changes);
        else
            Walk(before, after, changes);
    }

    /// <summary>The changes found by walking every entry of both dictionaries: the fallback, and the tree diff's reference in tests.</summary>
    internal static void Walk<TKey, TValue>(
        ImmutableSortedDictionary<TKey, TValue> before, ImmutableSortedDictionary<TKey, TValue> after, List<(TKey Key, TValue? Before, TValue? After)> changes)
        where TKey : notnull
        where TValue : class
    {
        var comparer = after.KeyComparer;
        using var a = before.GetEnumerator();
        using var b = after.GetEnumerator();
        var hasA = a.MoveNext();
        var hasB = b.MoveNext();
        while (hasA || hasB)
        {
            var order = !hasA ? 1 : !hasB ? -1 : comparer.Compare(a.Current.Key, b.Current.Key);
            if (order < 0)
            {
                changes.Add((a.Current.Key, a.Current.Value, null));
                hasA = a.MoveNext();
            }
            else if (order > 0)
            {
                changes.Add((b.Current.Key, null, b.Current.Value));
                hasB = b.MoveNext();
            }
            else
            {
                if (!ReferenceEquals(a.Current.Value, b.Current.Value))
                    changes.Add((b.Current.Key, a.Current.Value, b.Current.Value));
                hasA = a.MoveNext();
                hasB = b.MoveNext();
            }
        }
    }

    private static class Tree<TKey, TValue>
        where TKey : notnull
        where TValue : class
    {
        private static readonly Func<ImmutableSortedDictionary<TKey, TValue>, object>? Root;
        private static readonly Func<object, object?>? Left;
        private static readonly Func<object, object?>? Right;
        private static readonly Func<object, TKey>? Key;
        private static readonly Func<object, TValue>? Value;
        private static readonly Func<object, int>? Height;
        private static readonly object? EmptyNode;

        public static bool Available { get; }

        static Tree()
        {
            const BindingFlags Fields = BindingFlags.NonPublic | BindingFlags.Instance;
            var dictionary = typeof(ImmutableSortedDictionary<TKey, TValue>);
            var root = dictionary.GetField("_root", Fields);
            var node = root?.FieldType;
            var left = node?.GetField("_left", Fields);
            var right = node?.GetField("_right", Fields);
            var key = node?.GetField("_key", Fields);
            var value = node?.GetField("_value", Fields);
            var height = node?.GetField("_height", Fields);
            if (root is null || node is null || left is null || right is null || key is null || value is null || height is null
                || left.FieldType != node || right.FieldType != node || key.FieldType != typeof(TKey) || value.FieldType != typeof(TValue)
                || height.FieldType != typeof(byte))
                return;
            var d = Expression.Parameter(dictionary);
            Root = Expression.Lambda<Func<ImmutableSortedDictionary<TKey, TValue>, object>>(Expression.Field(d, root), d).Compile();
            var n = Expression.Parameter(typeof(object));
            var typed = Expression.Convert(n, node);
            Left = Expression.Lambda<Func<object, object?>>(Expression.Field(typed, left), n).Compile();
            Right = Expression.Lambda<Func<object, object?>>(Expression.Field(typed, right), n).Compile();
            Key = Expression.Lambda<Func<object, TKey>>(Expression.Field(typed, key), n).Compile();
            Value = Expression.Lambda<Func<object, TValue>>(Expression.Field(typed, value), n).Compile();
            Height = Expression.Lambda<Func<object, int>>(Expression.Convert(Expression.Field(typed, height), typeof(int)), n).Compile();
            EmptyNode = Root(ImmutableSortedDictionary<TKey, TValue>.Empty);
            // Every empty tree and every leaf's children are one sentinel node without children; the cursor relies on it.
            if (Left(EmptyNode) is not null)
                return;
            Available = true;
        }

        public static void Changes(
            ImmutableSortedDictionary<TKey, TValue> before, ImmutableSortedDictionary<TKey, TValue> after, List<(TKey Key, TValue? Before, TValue? After)> changes)
        {
            if (!Available)
                throw new InvalidOperationException("the trees of ImmutableSortedDictionary cannot be read on this runtime: walk the entries");
            if (ReferenceEquals(before, after))
                return;
            var comparer = after.KeyComparer;
            var a = new Cursor(Root!(before));
            var b = new Cursor(Root!(after));
            while (true)
            {
                if (a.Done)
                {
                    while (!b.Done)
                        changes.Add((b.Next(out var v), null, v));
                    return;
                }
                if (b.Done)
                {
                    while (!a.Done)
                        changes.Add((a.Next(out var v), v, null));
                    return;
                }
                var (na, ea) = a.Top;
                var (nb, eb) = b.Top;
                if (!ea && !eb)
                {
                    if (ReferenceEquals(na, nb))
                    {
                        // The same subtree next in both: the same entries at the same place, nothing to compare.
                        a.Skip();
                        b.Skip();
                        continue;
                    }
                    // A shared subtree lies on the left spine of the taller one (a subtree is shorter than its parent).
                    var (ha, hb) = (Height!(na), Height!(nb));
                    if (ha >= hb)
                        a.Expand();
                    if (hb >= ha)
                        b.Expand();
                    continue;
                }
                if (!ea)
                {
                    a.Expand();
                    continue;
                }
                if (!eb)
                {
                    b.Expand();
                    continue;
                }
                var order = comparer.Compare(Key!(na), Key!(nb));
                if (order < 0)
                {
                    changes.Add((a.Next(out var removed), removed, null));
                }
                else if (order > 0)
                {
                    changes.Add((b.Next(out var added), null, added));
                }
                else
                {
                    var key = a.Next(out var was);
                    b.Next(out var now);
                    if (!ReferenceEquals(was, now))
                        changes.Add((key, was, now));
                }
            }
        }

        /// <summary>
        /// An in-order position in a tree: a stack of subtrees still to walk (not expanded) and of nodes whose left subtree
        /// is done (expanded: the node's own entry is next). The empty sentinel node (no children) is never pushed. An
        /// array of its own, not a <see cref="Stack{T}"/>: the diff is mostly pushes and pops.
        /// </summary>
        private sealed class Cursor
        {
            private (object Node, bool Expanded)[] _stack = new (object, bool)[64];
            private int _count;

            public Cursor(object root) => Push(root);

            public bool Done => _count == 0;

            public (object Node, bool Expanded) Top => _stack[_count - 1];

            public void Skip() => _stack[--_count] = default;

            /// <summary>Replaces the subtree on top by its right subtree, its own entry and its left subtree (on top).</summary>
            public void Expand()
            {
                var node = _stack[--_count].Node;
                Push(Right!(node)!);
                PushEntry(node, true);
                Push(Left!(node)!);
            }

            /// <summary>The next entry: its key, and its value in <paramref name="value"/>.</summary>
            public TKey Next(out TValue value)
            {
                while (!_stack[_count - 1].Expanded)
                    Expand();
                var node = _stack[--_count].Node;
                _stack[_count] = default;
                value = Value!(node);
                return Key!(node);
            }

            private void Push(object node)
            {
                // The empty node is the one shared sentinel without children (a leaf's children are it, not null).
                if (!ReferenceEquals(node, EmptyNode))
                    PushEntry(node, false);
            }

            private void PushEntry(object node, bool expanded)
            {
                if (_count == _stack.Length)
                    Array.Resize(ref _stack, _count * 2);
                _stack[_count++] = (node, expanded);
            }
        }
    }
}
