namespace Promethean.Core.Systems;

/// <summary>seed sys.session.scheduler: fair scheduling with budgets. Its behaviour lands with issue #7; until then it passes the world through unchanged.</summary>
public static class SessionSchedulerSystem
{
    public static World Update(World world, IStoreReader stores) => world;
}
