using Promethean.Core;
using Promethean.Stores.Sqlite;
using Promethean.Stores.Sqlite.Vectors;

namespace Promethean.Cli;

/// <summary>
/// The store with vector search answered by a persisted USearch HNSW index, for interactive search
/// over large stores. Outside the tick loop only: systems keep the exact, deterministic search.
/// The index file lives in the data dir and is rebuilt when its size no longer matches the store.
/// </summary>
internal sealed class HnswStoreReader : IStoreReader, IDisposable
{
    private readonly SqliteStore _store;
    private readonly HnswVectorIndex _index;
    private readonly string _model;
    private readonly string _kind;

    public HnswStoreReader(SqliteStore store, string dataDir, string model, string kind)
    {
        _store = store;
        _model = model;
        _kind = kind;
        var file = Path.Combine(dataDir, $"vectors-{kind}.usearch");
        var count = store.VectorCount(model, kind);
        var vectors = store.ReadVectors(model, kind);
        var first = vectors.FirstOrDefault();
        var dims = first.Vector?.Length ?? 384;
        if (File.Exists(file) && File.Exists(file + ".ids"))
        {
            _index = HnswVectorIndex.Load(file, dims);
            if (_index.Count == count)
                return;
            _index.Dispose();
        }
        _index = new HnswVectorIndex(dims);
        _index.UpsertMany([.. store.ReadVectors(model, kind)], Environment.ProcessorCount);
        _index.Save(file);
    }

    public IReadOnlyList<ScoredId> VectorSearch(string model, string kind, ReadOnlySpan<float> query, int k) =>
        model == _model && kind == _kind ? _index.Search(query, k) : _store.VectorSearch(model, kind, query, k);

    public Memory? GetMemory(string id) => _store.GetMemory(id);
    public Memory? FindBySourceKey(string sourceKey) => _store.FindBySourceKey(sourceKey);
    public long MemoryCount => _store.MemoryCount;
    public IReadOnlyList<Memory> ActiveMemoriesBefore(string kind, long beforeMs, int limit) => _store.ActiveMemoriesBefore(kind, beforeMs, limit);
    public IReadOnlySet<string> KnownSourceKeys(IReadOnlyCollection<string> sourceKeys) => _store.KnownSourceKeys(sourceKeys);
    public IReadOnlyDictionary<string, Memory> GetMemories(IReadOnlyCollection<string> ids) => _store.GetMemories(ids);

    public IReadOnlyDictionary<string, MemoryHead> GetMemoryHeads(IReadOnlyCollection<string> ids) => _store.GetMemoryHeads(ids);
    public IReadOnlyList<DedupeEntry> DedupeEntries(string channel, long fromMs, long toMs) => _store.DedupeEntries(channel, fromMs, toMs);
    public long KeyDegree(string key) => _store.KeyDegree(key);
    public IReadOnlyList<string> Postings(string key, int limit) => _store.Postings(key, limit);
    public IReadOnlyDictionary<string, long> KeyDegrees(IReadOnlyCollection<string> keys) => _store.KeyDegrees(keys);
    public IReadOnlyDictionary<string, IReadOnlyList<string>> PostingsOf(IReadOnlyCollection<string> keys, int limit) => _store.PostingsOf(keys, limit);
    public IReadOnlyList<ScoredId> KeywordSearch(string text, int k) => _store.KeywordSearch(text, k);
    public IReadOnlyList<DeferredJob> DeferredJobs(int limit) => _store.DeferredJobs(limit);
    public long DeferredJobCount => _store.DeferredJobCount;
    public IReadOnlyList<KindCount> MemoryKinds(long fromMs) => _store.MemoryKinds(fromMs);
    public IReadOnlyList<Memory> LatestOfKind(string kind, int limit) => _store.LatestOfKind(kind, limit);

    public void Dispose() => _index.Dispose();
}
