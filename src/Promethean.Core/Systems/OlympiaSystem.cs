namespace Promethean.Core.Systems;

/// <summary>seed sys.olympia.step: rolling quality and cost metrics. Its behaviour lands with issue #8; until then it passes the world through unchanged.</summary>
public static class OlympiaSystem
{
    public static World Update(World world, IStoreReader stores) => world;
}
