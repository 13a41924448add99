namespace Promethean.Bench;

/// <summary>An end-to-end benchmark scenario; it measures its own baseline in the same run where one applies.</summary>
public interface IScenario
{
    string Name { get; }

    /// <summary>Runs the scenario and returns its metrics; a table row each.</summary>
    IReadOnlyList<Metric> Run();
}

/// <summary>One measured number with its target, e.g. <c>tick_p99_ms_10k = 3.2 (target &lt;= 5)</c>.</summary>
public sealed record Metric(string Name, double Value, string Unit, string Target, string Notes = "");
