namespace Promethean.Core.Systems;

/// <summary>seed sys.eidolon.index (section 10): nexus posting lists and embedding job scheduling. Its behaviour lands with issue #5; until then it passes the world through unchanged.</summary>
public static class EidolonIndexSystem
{
    public static World Update(World world, IStoreReader stores) => world;
}
