namespace Promethean.Core.Systems;

/// <summary>seed sys.sentinel.step (section 9): the contract-driven sentinel state machine. Its behaviour lands with issue #6; until then it passes the world through unchanged.</summary>
public static class SentinelSystem
{
    public static World Update(World world, IStoreReader stores) => world;
}
