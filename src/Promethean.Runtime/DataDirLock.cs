using System.Globalization;

namespace Promethean.Runtime;

/// <summary>
/// One daemon per data dir: an exclusive lock on <c>daemon.lock</c>, with the holder's pid beside it
/// so a second <c>promethean run</c> can say who holds it. The OS releases the lock if the process dies.
/// </summary>
public sealed class DataDirLock : IDisposable
{
    private readonly FileStream _lock;
    private readonly string _pidFile;

    private DataDirLock(FileStream lockStream, string pidFile)
    {
        _lock = lockStream;
        _pidFile = pidFile;
    }

    public static DataDirLock Acquire(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        var lockPath = Path.Combine(dataDir, "daemon.lock");
        var pidFile = Path.Combine(dataDir, "daemon.pid");
        try
        {
            var stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            File.WriteAllText(pidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            return new DataDirLock(stream, pidFile);
        }
        catch (IOException)
        {
            var holder = File.Exists(pidFile) ? File.ReadAllText(pidFile).Trim() : "unknown";
            throw new InvalidOperationException(
                $"another promethean process (pid {holder}) is running on data dir '{dataDir}'; stop it first, or use another --data-dir");
        }
    }

    public void Dispose()
    {
        try
        {
            File.Delete(_pidFile);
        }
        catch (IOException)
        {
            // The lock itself is what matters; a stale pid file is harmless.
        }
        _lock.Dispose();
    }
}
