using System.Diagnostics;

namespace Promethean.Runtime.Tests.Sentinels;

public sealed class SentinelCliTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "promethean-cli-" + Path.GetRandomFileName());

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    private static (int Exit, string Out) Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "promethean.dll"));
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void SentinelRun_Folder_SummaryJournalAndExitCode()
    {
        var notes = Path.Combine(_root, "notes");
        Directory.CreateDirectory(Path.Combine(notes, "sub"));
        File.WriteAllText(Path.Combine(notes, "ok.md"), "---\ntitle: Ok\nslug: ok\ndescription: Fine.\ntags: [ok]\ntagged_at: 2026-01-01T00:00:00Z\n---\n");
        File.WriteAllBytes(Path.Combine(notes, "sub", "bin.md"), [0, 1, 2]);
        var data = Path.Combine(_root, "data");

        var (exit, output) = Run("sentinel", "run", notes, "--data-dir", data);

        exit.ShouldBe(0, output);
        output.ShouldContain("already valid           1");
        output.ShouldContain("skipped: binary file skipped: sub/bin.md");
        using var store = Stores.Sqlite.SqliteStore.Open(Path.Combine(data, "sentinel-run", "promethean.db"));
        Replayer.Replay(store, Core.Schedule.Systems).Ok.ShouldBeTrue();
    }

    [Fact]
    public void SentinelRun_MissingFolder_ClearErrorExitOne()
    {
        var (exit, output) = Run("sentinel", "run", Path.Combine(_root, "nope"), "--data-dir", Path.Combine(_root, "data"));
        exit.ShouldBe(1);
        output.ShouldContain("no such folder");
    }
}
