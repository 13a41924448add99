namespace Promethean.Core.Components;

/// <summary>
/// One line of a session's recent ring: who said what, where, and the memory it is (when known) or its
/// content hash, so context assembly can drop a related memory that repeats it.
/// </summary>
public sealed record RecentEntry(string Role, string Author, string Text, string Channel, long AtMs, string ContentHash)
{
    public string? MemoryId { get; init; }
}
