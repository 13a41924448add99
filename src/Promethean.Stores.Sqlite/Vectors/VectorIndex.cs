namespace Promethean.Stores.Sqlite.Vectors;

/// <summary>Picks the index for a collection size: exact below <see cref="HnswThreshold"/> vectors, HNSW above.</summary>
public static class VectorIndex
{
    public const int HnswThreshold = 20_000;

    public static IVectorIndex ForSize(int dimensions, int expectedCount) =>
        expectedCount >= HnswThreshold ? new HnswVectorIndex(dimensions) : new ExactVectorIndex(dimensions);
}
