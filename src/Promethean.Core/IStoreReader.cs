namespace Promethean.Core;

/// <summary>
/// Read-only queries over the stores. Store contents are a function of the journaled history, so
/// reads through this interface replay identically.
/// </summary>
public interface IStoreReader
{
    Memory? GetMemory(string id);

    /// <summary>The memory ingested from a source (a Discord message id, a file path + hash), if any.</summary>
    Memory? FindBySourceKey(string sourceKey);

    long MemoryCount { get; }
}
