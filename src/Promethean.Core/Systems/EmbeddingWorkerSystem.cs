namespace Promethean.Core.Systems;

/// <summary>seed sys.embedding.worker.step (section 11): batched embeddings. Its behaviour lands with issue #5; until then it passes the world through unchanged.</summary>
public static class EmbeddingWorkerSystem
{
    public static World Update(World world, IStoreReader stores) => world;
}
