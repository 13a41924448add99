using Microsoft.Data.Sqlite;
using Promethean.Stores.Sqlite;

namespace Promethean.Runtime.Tests;

public sealed class IngestCliTests
{
    /// <summary>
    /// `promethean ingest` of an export into a data dir with the default cephalon (whose sessions follow every channel):
    /// the history becomes memories and nothing answers it. Before imports had their own event type, the sessions took
    /// the old questions as new ones, and the run asked the model and tried to post in Discord.
    /// </summary>
    [Fact]
    public async Task Ingest_DiscordExport_StoresTheHistory_AndNoSessionAnswersIt()
    {
        using var dir = new TempDir();
        dir.Write("export.json", """
            {"guild":{"id":"1"},"channel":{"id":"42"},"messages":[
              {"id":"100","timestamp":"2026-11-20T10:00:00+00:00","content":"Duck, what did we decide about the vault sync?","author":{"id":"7","name":"ada"}},
              {"id":"101","timestamp":"2026-11-20T10:01:00+00:00","content":"we moved the vault sync to a nightly job #sync","author":{"id":"8","name":"bo"}},
              {"id":"102","timestamp":"2026-11-20T10:02:00+00:00","content":"Duck, can you remind me tomorrow?","author":{"id":"7","name":"ada"}}]}
            """);

        var (code, output, err) = await Repo.RunCliAsync(dir.Path, "ingest", "export.json", "--data-dir", "data");

        code.ShouldBe(0, err);
        output.ShouldContain("accepted");
        err.ShouldNotContain("discord/send");
        err.ShouldContain("pending", Case.Sensitive, "the progress line says how far the embeddings are while the run waits for them");
        var db = dir.Combine("data", "promethean.db");
        using (var store = SqliteStore.Open(db))
        {
            store.MemoryCount.ShouldBeGreaterThanOrEqualTo(3);
            store.FindBySourceKey("discord:101").ShouldNotBeNull().Text.ShouldContain("nightly job");
            var world = store.LoadWorld();
            world.Sessions.ShouldNotBeEmpty();
            world.Sessions.Values.ShouldAllBe(s => s.Queue.IsEmpty && s.Turn == null);
        }
        using (var sql = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False"))
        {
            sql.Open();
            using var cmd = sql.CreateCommand();
            cmd.CommandText = "SELECT count(*) FROM outbox WHERE type IN ('llm/chat', 'discord/send')";
            ((long)cmd.ExecuteScalar()!).ShouldBe(0, "no session took a turn over the history");
        }
        (code, output, _) = await Repo.RunCliAsync(dir.Path, "replay", "--data-dir", "data");
        code.ShouldBe(0, output);
    }
}
