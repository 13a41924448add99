using System.Diagnostics;

namespace Promethean.Runtime.Tests;

public sealed class BannedApiTests
{
    /// <summary>
    /// Builds Core's sources plus one offending file with Core's analyzer settings: the build must
    /// fail with RS0030 naming the banned call. This is the determinism rule enforced, not assumed.
    /// </summary>
    [Theory]
    [InlineData("var t = System.DateTime.UtcNow;", "DateTime.UtcNow")]
    [InlineData("var g = System.Guid.NewGuid();", "Guid.NewGuid")]
    [InlineData("var s = System.IO.File.ReadAllText(\"x\");", "File")]
    public async Task Build_CoreCallingABannedApi_Fails(string statement, string banned)
    {
        var root = Repo.Root;
        // Core's own package references (pure parsers) come along, so only the offender can fail the build.
        var corePackages = string.Join("\n", File.ReadAllLines(Path.Combine(root, "src/Promethean.Core/Promethean.Core.csproj"))
            .Where(l => l.Contains("<PackageReference", StringComparison.Ordinal) && !l.Contains("BannedApiAnalyzers", StringComparison.Ordinal)));
        var dir = Path.Combine(root, ".banned-check", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(dir);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "BannedCheck.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><EnableDefaultCompileItems>false</EnableDefaultCompileItems></PropertyGroup>
                  <ItemGroup>
                    <Compile Include="{root}/src/Promethean.Core/**/*.cs" Exclude="{root}/src/Promethean.Core/obj/**;{root}/src/Promethean.Core/bin/**" />
                    <Compile Include="Offender.cs" />
                    <PackageReference Include="Microsoft.CodeAnalysis.BannedApiAnalyzers" PrivateAssets="all" />
                {corePackages}
                    <AdditionalFiles Include="{root}/src/Promethean.Core/BannedSymbols.txt" />
                  </ItemGroup>
                </Project>
                """);
            await File.WriteAllTextAsync(Path.Combine(dir, "Offender.cs"),
                $"namespace Promethean.Core.Systems;\ninternal static class Offender\n{{\n    public static void Go()\n    {{\n        {statement}\n    }}\n}}\n");
            var info = new ProcessStartInfo("dotnet", ["build", "-nologo", "-v", "q", dir]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(info)!;
            var output = await p.StandardOutput.ReadToEndAsync() + await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            p.ExitCode.ShouldNotBe(0, output);
            output.ShouldContain("RS0030");
            output.ShouldContain(banned);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
