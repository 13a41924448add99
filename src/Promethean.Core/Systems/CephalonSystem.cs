namespace Promethean.Core.Systems;

/// <summary>seed sys.cephalon.step (section 7): context assembly and the LLM call. Its behaviour lands with issue #7; until then it passes the world through unchanged.</summary>
public static class CephalonSystem
{
    public static World Update(World world, IStoreReader stores) => world;
}
