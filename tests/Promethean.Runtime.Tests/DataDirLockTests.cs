namespace Promethean.Runtime.Tests;

public sealed class DataDirLockTests
{
    [Fact]
    public void Acquire_Twice_SecondFailsNamingTheHolder()
    {
        using var dir = new TempDir();
        using var first = DataDirLock.Acquire(dir.Path);
        Should.Throw<InvalidOperationException>(() => DataDirLock.Acquire(dir.Path))
            .Message.ShouldContain($"pid {Environment.ProcessId}");
    }

    [Fact]
    public void Acquire_AfterRelease_Succeeds()
    {
        using var dir = new TempDir();
        DataDirLock.Acquire(dir.Path).Dispose();
        using var again = DataDirLock.Acquire(dir.Path);
    }
}
