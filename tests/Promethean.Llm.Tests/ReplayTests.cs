using System.Collections.Immutable;
using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Systems;
using Promethean.Runtime;
using Promethean.Stores.Sqlite;
using Promethean.TestSupport;

namespace Promethean.Llm.Tests;

/// <summary>A journal with real LLM calls (through the loopback server) replays with identical hashes and no server contact.</summary>
public sealed class ReplayTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "promethean-llm-replay-" + Path.GetRandomFileName());

    /// <summary>Test-only system: a timer tick asks the model (with a tool); a tool call is answered with a second chat; replies are counted by text.</summary>
    private static World AskOnTimer(World world, IStoreReader stores)
    {
        foreach (var e in world.EventsIn)
        {
            switch (e)
            {
                case TimerTick tick:
                    world = world.Do(new LlmChat(LlmHarness.Endpoint, "", [new ChatMessage("user", $"timer {tick.Timer} at {tick.DueMs}")], [LlmHarness.SearchTool])
                    {
                        Meta = ImmutableSortedDictionary<string, string>.Empty.Add("session", "7"),
                    });
                    world = world.Do(new LlmEmbed(LlmHarness.Endpoint, "", ["timer " + tick.Timer]));
                    break;
                case LlmResponse r when !r.ToolCalls.IsEmpty:
                    world = world.Do(new LlmChat(LlmHarness.Endpoint, "",
                    [
                        new ChatMessage("assistant", r.Text, ToolCalls: r.ToolCalls),
                        new ChatMessage("tool", "no results", ToolCallId: r.ToolCalls[0].Id),
                    ], []));
                    break;
                case LlmResponse r:
                    world = DebugStatsSystem.Count(world, $"llm.reply.{r.Text}.{r.Usage.PromptTokens}", 1);
                    break;
                case LlmEmbedResult v:
                    world = DebugStatsSystem.Count(world, "llm.embed.dims", v.Vectors[0].Length);
                    break;
                case EffectError err:
                    world = DebugStatsSystem.Count(world, "llm.error." + err.Type, 1);
                    break;
            }
        }
        return world;
    }

    private static readonly ImmutableArray<ScheduledSystem> Systems = [new("test.ask-on-timer", AskOnTimer)];

    [Fact]
    public async Task Replay_JournalWithLlmCalls_IdenticalHashesWithoutContactingServer()
    {
        Directory.CreateDirectory(_dir);
        var dbPath = Path.Combine(_dir, "promethean.db");
        await using var h = await LlmHarness.StartAsync();
        h.Server.Chat
            .Enqueue(ScriptedReply.ToolCalls("""[{"type":"function","function":{"name":"search","arguments":{"q":"timer"}}}]"""))
            .Enqueue(ScriptedReply.Chat("<think>nothing found</think>Nothing new.", usage: false))
            .Enqueue(ScriptedReply.TooManyRequests("0"))
            .Enqueue(ScriptedReply.Chat("Second answer."));
        h.Server.ShuffleEmbeddings = true;

        string lastHash;
        using (var store = SqliteStore.Open(dbPath))
        {
            var engine = new Engine(store, Systems, h.Dispatcher, new EngineOptions { RecordSystemTimes = false, StatusEverySeconds = 0 },
                TimeProvider.System, NullLogger.Instance);
            engine.Open(World.Empty);
            await engine.RunScriptAsync([new ScriptLine(1000, [new TimerTick("a", 1000)]), new ScriptLine(2000, [new TimerTick("b", 2000)])], CancellationToken.None);
            lastHash = engine.LastTick!.WorldHash;
            var counters = DebugStatsSystem.CountersOf(engine.World).Values;
            counters.Keys.ShouldContain(k => k.StartsWith("llm.reply.Nothing new.", StringComparison.Ordinal));
            counters.Keys.ShouldContain("llm.reply.Second answer..11");
            counters["llm.embed.dims"].ShouldBe(2 * LoopbackLlmServer.DefaultEmbeddingDimensions);
        }
        var contacted = h.Server.RequestCount;
        contacted.ShouldBe(6); // 3 chats + 1 retry after the 429, 2 embeddings
        await h.Server.StopAsync();

        using var journal = SqliteStore.Open(dbPath);
        var report = Replayer.Replay(journal, Systems);
        report.Ok.ShouldBeTrue($"diverged at {report.DivergedAtTick}: {string.Join(", ", report.DifferingParts)}");
        report.TicksVerified.ShouldBe(journal.LastTick);
        report.FinalHash.ShouldBe(lastHash);
        h.Server.RequestCount.ShouldBe(contacted);

        var responses = journal.ReadJournal().SelectMany(e => e.EventsIn).OfType<LlmResponse>().ToList();
        responses.Count.ShouldBe(3);
        responses[0].ToolCalls.Single().Arguments.ShouldBe("""{"q":"timer"}""");
        responses.ShouldContain(r => r.Usage.Estimated && r.Text == "Nothing new.");
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }
}
