using System.Diagnostics;

namespace Promethean.Runtime.Tests;

/// <summary>Finds the repository and runs our own built programs as child processes.</summary>
internal static class Repo
{
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "global.json")))
                dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("repository root (global.json) not found");
        }
    }

    /// <summary>The CLI assembly built next to the tests (the test project references it).</summary>
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "promethean.dll");

    public static Process StartCli(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(CliDll);
        foreach (var a in args)
            info.ArgumentList.Add(a);
        return Process.Start(info) ?? throw new InvalidOperationException("could not start the CLI");
    }

    public static async Task<(int Code, string Out, string Err)> RunCliAsync(string workingDirectory, params string[] args)
    {
        using var p = StartCli(workingDirectory, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(8));
        return (p.ExitCode, await stdout, await stderr);
    }
}
