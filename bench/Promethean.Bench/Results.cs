using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Promethean.Bench;

/// <summary>Writes a scenario's table to bench/results/NAME.md and merges its numbers into summary.json.</summary>
public static class Results
{
    public static void Write(string resultsDir, string scenario, IReadOnlyList<Metric> metrics)
    {
        Directory.CreateDirectory(resultsDir);
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# {scenario}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} on {Environment.ProcessorCount} cores, .NET {Environment.Version}, Release build.");
        md.AppendLine();
        md.AppendLine("| metric | value | unit | target | notes |");
        md.AppendLine("| --- | ---: | --- | --- | --- |");
        foreach (var m in metrics)
            md.AppendLine(CultureInfo.InvariantCulture, $"| `{m.Name}` | {m.Value:0.###} | {m.Unit} | {m.Target} | {m.Notes} |");
        File.WriteAllText(Path.Combine(resultsDir, scenario + ".md"), md.ToString());

        var summaryPath = Path.Combine(resultsDir, "summary.json");
        var summary = File.Exists(summaryPath) ? JsonNode.Parse(File.ReadAllText(summaryPath))!.AsObject() : [];
        foreach (var m in metrics)
            summary[m.Name] = Math.Round(m.Value, 4);
        var sorted = new JsonObject();
        foreach (var (key, value) in summary.OrderBy(p => p.Key, StringComparer.Ordinal))
            sorted[key] = value?.DeepClone();
        File.WriteAllText(summaryPath, sorted.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1) of a sample.</summary>
    public static double Quantile(IReadOnlyList<double> sample, double q)
    {
        var sorted = sample.Order().ToArray();
        if (sorted.Length == 0)
            return double.NaN;
        var index = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }
}
