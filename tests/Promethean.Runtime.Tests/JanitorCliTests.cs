using Promethean.Stores.Sqlite;

namespace Promethean.Runtime.Tests;

public sealed class JanitorCliTests
{
    [Fact]
    public async Task JanitorReport_Cli_WritesTheReportThroughTheSessionAndPrintsIt()
    {
        using var dir = new TempDir();
        var (code, output, err) = await Repo.RunCliAsync(dir.Path, "janitor", "report", "--data-dir", "data");

        code.ShouldBe(0, err);
        output.ShouldContain("# Janitor report");
        output.ShouldContain("## Dedupe rejects by reason");
        output.ShouldContain("## Compaction plan");
        var reports = Directory.GetFiles(dir.Combine("reports"), "janitor-*.md");
        reports.ShouldHaveSingleItem();
        File.ReadAllText(reports[0]).ShouldContain("# Janitor report");

        using (var store = SqliteStore.Open(dir.Combine("data/promethean.db")))
            store.MemoryKinds(0).ShouldContain(k => k.Kind == "cephalon.report", "the report is remembered like anything the agent says");

        (code, output, _) = await Repo.RunCliAsync(dir.Path, "janitor", "report", "--data-dir", "data");
        code.ShouldBe(0);
        output.ShouldContain("covering the time since", Case.Sensitive, "the second report starts where the first ended");
        (code, output, _) = await Repo.RunCliAsync(dir.Path, "replay", "--data-dir", "data");
        code.ShouldBe(0, output);
    }
}
