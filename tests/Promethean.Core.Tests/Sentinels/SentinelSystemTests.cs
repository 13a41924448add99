using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using CsCheck;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Sentinels;
using Promethean.Core.Systems;
using Promethean.Stores.Sqlite;

namespace Promethean.Core.Tests.Sentinels;

public sealed class SentinelSystemTests : IDisposable
{
    private const string Path = "docs/notes/a.md";
    private const string Valid = "---\ntitle: A\nslug: a\ndescription: About a.\ntags: [a]\ntagged_at: 2026-01-01T00:00:00Z\n---\nbody\n";
    private const string GoodAnswer = "```yaml\ntitle: A note\nslug: a-note\ndescription: A note about a.\ntags: [a]\ntagged_at: 2026-01-01T00:00:00Z\n```";
    private readonly SqliteStore _store = SqliteStore.InMemory();
    private long _time = 1_000;

    public void Dispose() => _store.Dispose();

    private static World WithSettings(SentinelSettings? settings = null)
    {
        var world = World.Empty.Spawn(out var id);
        return world with { SentinelSettings = world.SentinelSettings.Add(id, settings ?? SentinelSettings.Default) };
    }

    private World Step(World world, params Event[] events) => SentinelSystem.Update(TestWorld.Tick(world, _time += 10, events), _store);

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static FsReadResult Read(World w, string content)
    {
        var e = w.Effects.OfType<FsRead>().ShouldHaveSingleItem();
        return new FsReadResult(e.Id, e.Path, content, Hash(content)) { Meta = e.Meta };
    }

    private static LlmResponse Answer(World w, string text)
    {
        var c = w.Effects.OfType<LlmChat>().ShouldHaveSingleItem();
        return new LlmResponse(c.Id, text, [], "stop", new LlmUsage(100, 20, false), 5, "m", "builtin") { Meta = c.Meta };
    }

    private static FsWriteResult Written(World w)
    {
        var e = w.Effects.OfType<FsWrite>().ShouldHaveSingleItem();
        return new FsWriteResult(e.Id, e.Path, Hash(e.Content)) { Meta = e.Meta };
    }

    private static EffectError Error(World w, string message, bool retryable = false)
    {
        var e = w.Effects.ShouldHaveSingleItem();
        return new EffectError(e.Id, e.Type, message, retryable) { Meta = e.Meta };
    }

    private static Sentinel Only(World w) => w.Sentinels.ShouldHaveSingleItem().Value;

    private World Started(string content = "# A\n\nbody\n")
    {
        var w = Step(WithSettings(), new FsFileCreated(Path, Hash(content), content.Length));
        return Step(w, Read(w, content));
    }

    [Fact]
    public void Update_PendingSentinel_EmitsFsRead()
    {
        var world = World.Empty.Spawn(out var id);
        world = world with { Sentinels = world.Sentinels.Add(id, new Sentinel("frontmatter", Contracts.FrontmatterV1, SentinelState.Pending, new(Path), new())) };
        var next = Step(world);
        next.Effects.ShouldHaveSingleItem().ShouldBeOfType<FsRead>().Path.ShouldBe(Path);
        next.Effects[0].Meta[SentinelMeta.Sentinel].ShouldBe(id.ToString());
        next.EventsOut.ShouldHaveSingleItem().ShouldBeOfType<SentinelStart>();
    }

    [Fact]
    public void Update_FileOutsideGlobs_IsIgnored()
    {
        var next = Step(WithSettings(), new FsFileCreated("docs/other/a.md", "h", 1), new FsFileCreated("docs/notes/a.txt", "h", 1));
        next.Sentinels.ShouldBeEmpty();
        next.Effects.ShouldBeEmpty();
    }

    [Fact]
    public void Update_NestedNote_StartsASentinel()
    {
        var next = Step(WithSettings(), new FsFileCreated("docs/notes/deep/er/a.md", "h", 1));
        Only(next).Input.Path.ShouldBe("docs/notes/deep/er/a.md");
        next.Effects.ShouldHaveSingleItem().ShouldBeOfType<FsRead>();
    }

    [Fact]
    public void Update_AlreadyValid_DoneWithoutLlmCall()
    {
        var w = Started(Valid);
        w.Effects.ShouldBeEmpty();
        Only(w).State.ShouldBe(SentinelState.Done);
        Only(w).Outcome.ShouldBe("already-valid");
        w.EventsOut.OfType<SentinelDone>().ShouldHaveSingleItem().Outcome.ShouldBe("already-valid");
    }

    [Fact]
    public void Update_ValidAnswer_WritesGuardedByReadHashThenDone()
    {
        var content = "# A\n\nbody\n";
        var w = Started(content);
        Only(w).State.ShouldBe(SentinelState.Running);
        var chat = w.Effects.ShouldHaveSingleItem().ShouldBeOfType<LlmChat>();
        chat.Meta[SentinelMeta.Contract].ShouldBe("frontmatter/v1");
        chat.Endpoint.ShouldBe("builtin");

        w = Step(w, Answer(w, GoodAnswer));
        var write = w.Effects.ShouldHaveSingleItem().ShouldBeOfType<FsWrite>();
        write.ExpectedHash.ShouldBe(Hash(content));
        write.Content.ShouldEndWith("---\n# A\n\nbody\n");
        Only(w).State.ShouldBe(SentinelState.Validating);

        w = Step(w, Written(w));
        Only(w).State.ShouldBe(SentinelState.Done);
        Only(w).Outcome.ShouldBe("written");
        Only(w).LlmCalls.ShouldBe(1);
        Only(w).PromptTokens.ShouldBe(100);
    }

    [Fact]
    public void Update_InvalidThenValid_RetriesWithStricterPromptThenWrites()
    {
        var w = Started();
        w = Step(w, Answer(w, "title: A\nslug: Not Kebab\ndescription: x.\ntags: [a]\ntagged_at: 2026-01-01T00:00:00Z"));
        Only(w).State.ShouldBe(SentinelState.Retry);
        Only(w).Retries.Attempt.ShouldBe(2);
        w.EventsOut.OfType<SentinelRetry>().ShouldHaveSingleItem().Violations.ShouldHaveSingleItem().ShouldContain("slug");
        var retry = w.Effects.ShouldHaveSingleItem().ShouldBeOfType<LlmChat>();
        retry.Messages[^1].Content.ShouldContain("REJECTED");
        retry.Messages[^1].Content.ShouldContain("Not Kebab");

        w = Step(w, Answer(w, GoodAnswer));
        w.Effects.ShouldHaveSingleItem().ShouldBeOfType<FsWrite>();
    }

    [Fact]
    public void Update_NeverValid_FailsAfterFiveAttemptsWithoutWriting()
    {
        var w = Started();
        for (var i = 0; i < 5; i++)
        {
            Only(w).Retries.Attempt.ShouldBe(i + 1);
            w = Step(w, Answer(w, "I'd rather not."));
        }
        w.Effects.ShouldBeEmpty();
        Only(w).State.ShouldBe(SentinelState.Failed);
        Only(w).Reason.ShouldNotBeNull().ShouldContain("after 5 attempts");
        w.EventsOut.OfType<SentinelFailed>().ShouldHaveSingleItem().Reason.ShouldContain("no YAML mapping");
        Only(w).LlmCalls.ShouldBe(5);
    }

    [Fact]
    public void Update_ModelServerDown_WaitsWithBackoffThenAsksAgain()
    {
        var w = Started();
        w = Step(w, Error(w, "connection refused", retryable: true));
        Only(w).State.ShouldBe(SentinelState.Running);
        Only(w).Reason.ShouldNotBeNull().ShouldContain("connection refused");
        var wake = w.Effects.ShouldHaveSingleItem().ShouldBeOfType<TimerWake>();
        wake.DueMs.ShouldBe(w.TimeMs + SentinelSettings.Default.BackoffBaseMs);

        w = Step(w, Error(w, "connection refused", retryable: true));
        w = Step(w, new TimerWakeResult(w.Effects[0].Id, 0) { Meta = w.Effects[0].Meta });
        w = Step(w, new TimerWakeResult(w.Effects[0].Id, 0) { Meta = w.Effects[0].Meta });
        w.Effects.ShouldHaveSingleItem().ShouldBeOfType<LlmChat>();
        Only(w).ServerRetries.ShouldBe(1);
        Only(w).State.ShouldBe(SentinelState.Running);
    }

    [Fact]
    public void Update_ModelServerDownTooLong_FailsWithReason()
    {
        var w = Step(WithSettings(SentinelSettings.Default with { MaxServerRetries = 1 }), new FsFileCreated(Path, "h", 1));
        w = Step(w, Read(w, "text"));
        w = Step(w, Error(w, "connection refused", retryable: true));
        w = Step(w, new TimerWakeResult(w.Effects[0].Id, 0) { Meta = w.Effects[0].Meta });
        w = Step(w, Error(w, "connection refused", retryable: true));
        Only(w).State.ShouldBe(SentinelState.Failed);
        Only(w).Reason.ShouldNotBeNull().ShouldContain("model unavailable");
    }

    [Fact]
    public void Update_NonRetryableModelError_Fails()
    {
        var w = Started();
        w = Step(w, Error(w, "no handler for effect type 'llm/chat'"));
        Only(w).State.ShouldBe(SentinelState.Failed);
        Only(w).Reason.ShouldBe("model error: no handler for effect type 'llm/chat'");
    }

    [Fact]
    public void Update_OwnWrite_DoesNotRetrigger()
    {
        var w = Started();
        w = Step(w, Answer(w, GoodAnswer));
        var write = w.Effects.OfType<FsWrite>().Single();
        var early = Step(w, new FsFileModified(Path, Hash(write.Content), write.Content.Length));
        Only(early).Dirty.ShouldBeFalse();
        w = Step(w, Written(w));
        w = Step(w, new FsFileModified(Path, Hash(write.Content), write.Content.Length));
        w.Effects.ShouldBeEmpty();
        Only(w).State.ShouldBe(SentinelState.Done);
    }

    [Fact]
    public void Update_UserEditAfterDone_StartsAgain()
    {
        var w = Started(Valid);
        w = Step(w, new FsFileModified(Path, Hash("changed"), 7));
        w.Effects.ShouldHaveSingleItem().ShouldBeOfType<FsRead>();
        Only(w).State.ShouldBe(SentinelState.Pending);
    }

    [Fact]
    public void Update_FileChangedBeforeWrite_StartsOverFromARead()
    {
        var w = Started();
        w = Step(w, Answer(w, GoodAnswer));
        w = Step(w, Error(w, "file changed since it was read: docs/notes/a.md"));
        w.Effects.ShouldHaveSingleItem().ShouldBeOfType<FsRead>();
        Only(w).Restarts.ShouldBe(1);
        Only(w).State.ShouldBe(SentinelState.Pending);
    }

    [Fact]
    public void Update_BurstOfEditsDuringLlmCall_OneRerunAfterwards()
    {
        var w = Started();
        var answer = Answer(w, GoodAnswer);
        for (var i = 0; i < 5; i++)
            w = Step(w, new FsFileModified(Path, Hash("edit " + i), 6));
        w.Effects.ShouldBeEmpty();
        Only(w).Dirty.ShouldBeTrue();
        w = Step(w, answer);
        w = Step(w, Error(w, "file changed since it was read: docs/notes/a.md"));
        w.Effects.ShouldHaveSingleItem().ShouldBeOfType<FsRead>();
    }

    [Fact]
    public void Update_Debounce_OnlyTheLastWakeReads()
    {
        var w = Step(WithSettings(SentinelSettings.Default with { DebounceMs = 500 }), new FsFileCreated(Path, "h1", 1));
        var first = w.Effects.ShouldHaveSingleItem().ShouldBeOfType<TimerWake>();
        w = Step(w, new FsFileModified(Path, "h2", 1));
        var second = w.Effects.ShouldHaveSingleItem().ShouldBeOfType<TimerWake>();
        w = Step(w, new TimerWakeResult(first.Id, first.DueMs) { Meta = first.Meta });
        w.Effects.ShouldBeEmpty();
        w = Step(w, new TimerWakeResult(second.Id, second.DueMs) { Meta = second.Meta });
        w.Effects.ShouldHaveSingleItem().ShouldBeOfType<FsRead>();
    }

    [Fact]
    public void Update_StaleOutcome_IsIgnored()
    {
        var w = Started();
        var stale = new LlmResponse("0-99", GoodAnswer, [], "stop", new LlmUsage(1, 1, false), 1, "m", "builtin")
        {
            Meta = w.Effects[0].Meta,
        };
        var next = Step(w, stale);
        next.Effects.ShouldBeEmpty();
        Only(next).State.ShouldBe(SentinelState.Running);
    }

    [Theory]
    [InlineData("---\ntitle: a\nno end\n", "never closed")]
    [InlineData("---\ntitle: a\ntitle: b\n---\n", "duplicate key")]
    [InlineData("---\ntags:\n\t- a\n---\n", "malformed frontmatter")]
    public void Update_MalformedFrontmatter_FailsWithReasonNoCall(string content, string reason)
    {
        var w = Started(content);
        w.Effects.ShouldBeEmpty();
        Only(w).State.ShouldBe(SentinelState.Failed);
        Only(w).Reason.ShouldNotBeNull().ShouldContain(reason);
    }

    [Fact]
    public void Update_ReadRefused_SkippedWithReason()
    {
        var w = Step(WithSettings(), new FsFileCreated(Path, "h", 1));
        w = Step(w, Error(w, "file too large: docs/notes/a.md is 10485760 bytes, the cap is 4194304"));
        Only(w).State.ShouldBe(SentinelState.Failed);
        Only(w).Outcome.ShouldBe("skipped");
        Only(w).Reason.ShouldNotBeNull().ShouldContain("file too large");
    }

    [Fact]
    public void Update_AnswerWithHostileKeys_OnlyContractFieldsWritten()
    {
        var w = Started();
        w = Step(w, Answer(w, "Sure!\n```yaml\n../../etc/passwd: pwned\npath: /etc/shadow\n" + GoodAnswer[8..^3] + "```\nAnything else?"));
        var write = w.Effects.ShouldHaveSingleItem().ShouldBeOfType<FsWrite>();
        write.Path.ShouldBe(Path);
        write.Content.ShouldNotContain("passwd");
        write.Content.ShouldNotContain("shadow");
    }

    [Fact]
    public void Update_SecondContract_RunsOnTheSameStateMachine()
    {
        var summary = new Contract("summary/v1", Contracts.MarkdownInput, Contracts.MarkdownWithFrontmatter, ContractValidators.Fields,
            ImmutableSortedSet.Create("fs/read", "fs/write", "llm/chat"), "builtin")
        {
            Fields = [new FieldRule("summary", "sentences", 1, 1), new FieldRule("status", "kebab-case")],
        };
        var settings = new SentinelSettings([new SentinelBinding("summaries", ["docs/summaries/*.md"], summary)]);
        var w = Step(WithSettings(settings), new FsFileCreated("docs/summaries/s.md", "h", 1));
        w = Step(w, Read(w, "---\nstatus: draft\n---\nLong text.\n"));
        var chat = w.Effects.ShouldHaveSingleItem().ShouldBeOfType<LlmChat>();
        chat.Meta[SentinelMeta.Contract].ShouldBe("summary/v1");
        chat.Messages[0].Content.ShouldContain("summary must be 1 plain sentence");

        w = Step(w, Answer(w, "{\"summary\": \"One line. Two lines.\"}"));
        w.EventsOut.OfType<SentinelRetry>().ShouldHaveSingleItem();
        w = Step(w, Answer(w, "summary: Just one sentence."));
        w.Effects.ShouldHaveSingleItem().ShouldBeOfType<FsWrite>().Content
            .ShouldBe("---\nstatus: draft\nsummary: Just one sentence.\n---\nLong text.\n");
        w = Step(w, Written(w));
        Only(w).Outcome.ShouldBe("written");
    }

    [Fact]
    public void Update_ValidExistingFieldsKept_OnlyBrokenOnesReplaced()
    {
        var content = "---\ntitle: My Own Title\nauthor: ada\n---\nbody\n";
        var w = Started(content);
        w = Step(w, Answer(w, GoodAnswer));
        var text = w.Effects.ShouldHaveSingleItem().ShouldBeOfType<FsWrite>().Content;
        text.ShouldStartWith("---\ntitle: My Own Title\nauthor: ada\nslug: a-note\n");
        text.ShouldEndWith("---\nbody\n");
    }

    [Fact]
    public void Update_AnyNoteWithBuiltinAnswer_WritesValidFrontmatterBodyByteIdentical()
    {
        var piece = Gen.OneOfConst("# Title", "text", "Sentence one. Two!", "  ", "\t", "\r\n", "\n", "```", "```cs", "---", "...",
            "key: v", "title: x", "ü", "🎉", "日本", "\uFEFF", "#tag", "- item", "> quote");
        piece.Array[0, 24].Select(p => string.Concat(p)).Sample(note =>
        {
            var w = Step(WithSettings(), new FsFileCreated(Path, Hash(note), note.Length));
            w = Step(w, Read(w, note));
            var original = FrontmatterDocument.Split(note, out var error);
            if (error is not null || w.Effects.IsEmpty)
                return Only(w).IsTerminal;
            var chat = w.Effects.OfType<LlmChat>().Single();
            w = Step(w, Answer(w, FrontmatterHeuristics.Answer(chat)));
            var write = w.Effects.OfType<FsWrite>().SingleOrDefault();
            if (write is null)
                return false;
            var after = FrontmatterDocument.Split(write.Content, out error);
            return error is null && after.Body == original.Body && after.Bom == original.Bom
                && ContractValidators.Validate(Contracts.FrontmatterV1, SentinelSystem.Fields(FrontmatterYaml.Parse(after.Yaml, out _))).IsEmpty;
        }, iter: 200);
    }

    [Fact]
    public void Update_FlowMappingFrontmatter_FailsUntouchedInsteadOfWritingBrokenYaml()
    {
        var w = Started("---\n{title: Kept, author: ada}\n---\nbody\n");
        w = Step(w, Answer(w, GoodAnswer));
        w.Effects.ShouldBeEmpty();
        Only(w).State.ShouldBe(SentinelState.Failed);
        Only(w).Reason.ShouldNotBeNull().ShouldStartWith("cannot merge into this frontmatter safely");
    }

    [Fact]
    public void Update_TagsAnsweredAsCommaText_WrittenAsList()
    {
        var w = Started();
        w = Step(w, Answer(w, "title: A\nslug: a\ndescription: About a.\ntags: alpha, beta-two\ntagged_at: 2026-01-01T00:00:00Z"));
        w.Effects.ShouldHaveSingleItem().ShouldBeOfType<FsWrite>().Content.ShouldContain("tags:\n  - alpha\n  - beta-two\n");
    }
}
