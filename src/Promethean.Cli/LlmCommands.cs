using System.CommandLine;
using Promethean.Llm;
using Promethean.Runtime.Config;

namespace Promethean.Cli;

/// <summary><c>promethean llm check [--endpoint NAME]</c>: probes configured LLM endpoints and prints what works and which settings they need.</summary>
public static class LlmCommands
{
    public static Command Create(Option<string?> configOption)
    {
        var endpointOption = new Option<string?>("--endpoint") { Description = "Endpoint name from Llm:Endpoints (default: every configured endpoint)" };
        var check = new Command("check", "Probe LLM endpoints: models, a chat, a tool call, an embedding; print what works and the quirk settings needed");
        check.Options.Add(endpointOption);
        check.SetAction((parse, ct) => Cli.Guarded(() =>
            CheckAsync(ConfigLoader.Load(parse.GetValue(configOption)), parse.GetValue(endpointOption), Console.Out, ct)));
        var llm = new Command("llm", "LLM endpoints: check what a configured server supports");
        llm.Subcommands.Add(check);
        return llm;
    }

    /// <summary>Runs the probes and prints one table per endpoint; exit code 0 when nothing failed, 1 otherwise.</summary>
    public static async Task<int> CheckAsync(PrometheanConfig config, string? endpoint, TextWriter output, CancellationToken cancellationToken)
    {
        var endpoints = config.Llm.ResolvedEndpoints();
        if (endpoint is not null && !endpoints.ContainsKey(endpoint))
            throw new ConfigException($"unknown LLM endpoint '{endpoint}'; configured: {string.Join(", ", endpoints.Keys)}");
        var names = endpoint is not null ? [endpoint] : endpoints.Keys.ToList();
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var healthy = true;
        foreach (var name in names)
        {
            var report = await LlmProbe.RunAsync(name, endpoints[name], http, cancellationToken);
            Print(report, output);
            healthy &= report.Healthy;
        }
        return healthy ? 0 : 1;
    }

    public static void Print(ProbeReport report, TextWriter output)
    {
        output.WriteLine($"endpoint {report.Endpoint}: {report.Description}");
        var checkWidth = Math.Max(5, report.Rows.Max(r => r.Check.Length));
        output.WriteLine($"  {"check".PadRight(checkWidth)}  result  detail");
        output.WriteLine($"  {new string('-', checkWidth)}  ------  ------");
        foreach (var row in report.Rows)
            output.WriteLine($"  {row.Check.PadRight(checkWidth)}  {row.Result,-6}  {row.Detail}");
        output.WriteLine(report.Settings.IsEmpty ? "  settings needed: none" : "  settings needed:");
        foreach (var s in report.Settings)
            output.WriteLine($"    Llm:Endpoints:{report.Endpoint}:{s}");
        if (!report.Quirks.IsEmpty)
        {
            output.WriteLine("  quirks handled by the client:");
            foreach (var q in report.Quirks)
                output.WriteLine($"    - {q}");
        }
        output.WriteLine();
    }
}
