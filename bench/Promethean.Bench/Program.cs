using System.Reflection;
using BenchmarkDotNet.Running;
using Promethean.Bench;

// Usage: dotnet run -c Release --project bench/Promethean.Bench -- [scenario ...] [--micro]
//   no names: every scenario. --micro: the BenchmarkDotNet micro benches instead.
//   --ingest-only, --rss-only: just that metric of the memory scenario, printed, not written (for profiling).
if (args is ["--rss-probe", var probeDb])
    return MemoryScenario.RssProbe(probeDb);
if (args is ["--ingest-only"])
{
    foreach (var m in MemoryScenario.IngestOnly())
        Console.WriteLine($"   {m.Name,-40} {m.Value,12:0.###} {m.Unit,-10} target {m.Target}  {m.Notes}");
    return 0;
}
if (args is ["--rss-only"])
{
    var m = MemoryScenario.RssOnly();
    Console.WriteLine($"   {m.Name,-40} {m.Value,12:0.###} {m.Unit,-10} target {m.Target}  {m.Notes}");
    return 0;
}
if (args.Contains("--micro"))
{
    BenchmarkSwitcher.FromAssembly(typeof(IScenario).Assembly).Run([.. args.Where(a => a != "--micro")]);
    return 0;
}

var scenarios = typeof(IScenario).Assembly.GetTypes()
    .Where(t => typeof(IScenario).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IScenario)Activator.CreateInstance(t)!)
    .OrderBy(s => s.Name, StringComparer.Ordinal)
    .ToList();
var wanted = args.Where(a => !a.StartsWith('-')).ToHashSet(StringComparer.Ordinal);
var unknown = wanted.Where(w => scenarios.All(s => s.Name != w)).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"unknown scenario(s): {string.Join(", ", unknown)}; known: {string.Join(", ", scenarios.Select(s => s.Name))}");
    return 2;
}

var resultsDir = Path.Combine(FindRepoRoot(), "bench", "results");
foreach (var scenario in scenarios.Where(s => wanted.Count == 0 || wanted.Contains(s.Name)))
{
    Console.WriteLine($"== {scenario.Name}");
    var metrics = scenario.Run();
    foreach (var m in metrics)
        Console.WriteLine($"   {m.Name,-40} {m.Value,12:0.###} {m.Unit,-10} target {m.Target}  {m.Notes}");
    Results.Write(resultsDir, scenario.Name, metrics);
}
return 0;

static string FindRepoRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "global.json")))
        dir = dir.Parent;
    return dir?.FullName ?? Directory.GetCurrentDirectory();
}
