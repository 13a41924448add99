namespace Promethean.Core.Systems;

/// <summary>seed sys.compaction.step: gc plan and commit. Its behaviour lands with issue #8; until then it passes the world through unchanged.</summary>
public static class CompactionSystem
{
    public static World Update(World world, IStoreReader stores) => world;
}
