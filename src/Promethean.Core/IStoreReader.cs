namespace Promethean.Core;

/// <summary>
/// Read-only queries over the stores. Store contents are a function of the journaled history, so
/// reads through this interface replay identically; every list is ordered, ties broken by memory id.
/// </summary>
public interface IStoreReader
{
    Memory? GetMemory(string id);

    /// <summary>The memory ingested from a source (a Discord message id, a file path + hash), if any.</summary>
    Memory? FindBySourceKey(string sourceKey);

    /// <summary>
    /// The subset of <paramref name="sourceKeys"/> that already have a memory: one lookup for a whole
    /// tick's batch, which ingest needs for every message.
    /// </summary>
    IReadOnlySet<string> KnownSourceKeys(IReadOnlyCollection<string> sourceKeys);

    /// <summary>The memories with these ids; ids without one are absent from the answer.</summary>
    IReadOnlyDictionary<string, Memory> GetMemories(IReadOnlyCollection<string> ids);

    /// <summary>
    /// What ranking and walking need of these memories (kind, lifecycle, age, nexus keys), without their text, tags and
    /// source: a retrieval looks at hundreds of memories and returns a dozen.
    /// </summary>
    IReadOnlyDictionary<string, MemoryHead> GetMemoryHeads(IReadOnlyCollection<string> ids) =>
        GetMemories(ids).ToDictionary(p => p.Key, p => MemoryHead.Of(p.Value), StringComparer.Ordinal);

    long MemoryCount { get; }

    /// <summary>
    /// Memories of a kind whose lifecycle is <c>active</c> and that were created before <paramref name="beforeMs"/>,
    /// oldest first (ties by id), at most <paramref name="limit"/>: compaction candidates.
    /// </summary>
    IReadOnlyList<Memory> ActiveMemoriesBefore(string kind, long beforeMs, int limit);

    /// <summary>
    /// Dedupe fingerprints (normalized-text hash, SimHash, spam family) of the channel's memories
    /// created in [from, to], in (time, id) order: ingest reads a channel's window once per tick.
    /// </summary>
    IReadOnlyList<DedupeEntry> DedupeEntries(string channel, long fromMs, long toMs);

    /// <summary>Number of memories linked by a nexus key.</summary>
    long KeyDegree(string key);

    /// <summary>Up to <paramref name="limit"/> memory ids linked by a key, newest first, ties by id.</summary>
    IReadOnlyList<string> Postings(string key, int limit);

    /// <summary>The degrees of several keys at once (a walk hop asks for hundreds); a key linked by nothing has degree 0.</summary>
    IReadOnlyDictionary<string, long> KeyDegrees(IReadOnlyCollection<string> keys) =>
        keys.Distinct(StringComparer.Ordinal).ToDictionary(k => k, KeyDegree, StringComparer.Ordinal);

    /// <summary>The <see cref="Postings"/> of several keys at once.</summary>
    IReadOnlyDictionary<string, IReadOnlyList<string>> PostingsOf(IReadOnlyCollection<string> keys, int limit) =>
        keys.Distinct(StringComparer.Ordinal).ToDictionary(k => k, k => Postings(k, limit), StringComparer.Ordinal);

    /// <summary>Exact cosine top-k over the stored vectors of a model and kind; deterministic, ties by id.</summary>
    IReadOnlyList<ScoredId> VectorSearch(string model, string kind, ReadOnlySpan<float> query, int k);

    /// <summary>FTS5 keyword top-k by bm25 (higher is better), ties by id.</summary>
    IReadOnlyList<ScoredId> KeywordSearch(string text, int k);

    /// <summary>Embedding jobs deferred by backpressure, highest priority first, then oldest.</summary>
    IReadOnlyList<DeferredJob> DeferredJobs(int limit);

    long DeferredJobCount { get; }

    /// <summary>How many memories of each kind were created at or after <paramref name="fromMs"/>, in kind order.</summary>
    IReadOnlyList<KindCount> MemoryKinds(long fromMs);

    /// <summary>Up to <paramref name="limit"/> memories of a kind, newest first, ties by id.</summary>
    IReadOnlyList<Memory> LatestOfKind(string kind, int limit);
}

/// <summary>A memory kind and how many memories have it.</summary>
public readonly record struct KindCount(string Kind, long Count);

/// <summary>What dedupe knows of a stored chat memory: when, its normalized-text hash, SimHash (null: no words) and spam family.</summary>
public readonly record struct DedupeEntry(long CreatedMs, string ContentHash, ulong? SimHash, string Family);

/// <summary>A memory id with a score.</summary>
public readonly record struct ScoredId(string Id, double Score);

/// <summary>An embedding job parked in the store until the pending queue has room.</summary>
public sealed record DeferredJob(string DedupeKey, string Type, int Priority, string Payload, string Model, long Seq);
