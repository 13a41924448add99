using System.Text;
using Promethean.Core;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Sentinels;

namespace Promethean.Runtime.Tests.Sentinels;

public sealed class SentinelEngineTests : IDisposable
{
    private const string Good = "```yaml\ntitle: Good note\nslug: good-note\ndescription: A good note.\ntags: [good]\ntagged_at: 2026-01-01T00:00:00Z\n```";
    private const string Bad = "title: Good note\nslug: Good Note\ndescription: A good note.\ntags: [good]\ntagged_at: yesterday";
    private readonly SentinelHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static Func<LlmChat, Event?> Builtin => chat => SentinelHarness.Reply(chat, FrontmatterHeuristics.Answer(chat));

    [Fact]
    public async Task Run_InvalidThenValid_RetriesThenWritesAndBodyIsUntouched()
    {
        var note = _h.Write("docs/notes/a.md", "# A\r\n\r\nSome text.  \r\n");
        var answers = new Queue<string>([Bad, Good]);
        await _h.RunAsync(chat => SentinelHarness.Reply(chat, answers.Dequeue()), _h.Created(note));

        var s = _h.SentinelFor(note);
        s.State.ShouldBe(SentinelState.Done);
        s.Outcome.ShouldBe("written");
        s.LlmCalls.ShouldBe(2);
        _h.LlmCalls.ShouldBe(2);
        File.ReadAllText(_h.Full(note)).ShouldBe(
            "---\r\ntitle: Good note\r\nslug: good-note\r\ndescription: A good note.\r\ntags:\r\n  - good\r\ntagged_at: 2026-01-01T00:00:00Z\r\n---\r\n# A\r\n\r\nSome text.  \r\n");
        _h.Store.ReadJournal().SelectMany(j => j.EventsIn).OfType<LlmResponse>().Count().ShouldBe(2);
    }

    [Fact]
    public async Task Run_NeverValid_FailsAfterFiveAndFileIsByteIdentical()
    {
        var bytes = Encoding.UTF8.GetBytes("\uFEFF---\nauthor: ada\n---\nkeep me exactly \n");
        var note = _h.WriteBytes("docs/notes/never.md", bytes);
        await _h.RunAsync(chat => SentinelHarness.Reply(chat, Bad), _h.Created(note));

        var s = _h.SentinelFor(note);
        s.State.ShouldBe(SentinelState.Failed);
        s.Reason.ShouldNotBeNull().ShouldContain("no valid output after 5 attempts");
        s.Reason.ShouldContain("slug");
        _h.LlmCalls.ShouldBe(5);
        File.ReadAllBytes(_h.Full(note)).ShouldBe(bytes);
    }

    [Fact]
    public async Task Run_VariedCorpusWithBuiltin_AllValidBodiesByteIdentical()
    {
        var corpus = new Dictionary<string, string>
        {
            ["docs/notes/plain.md"] = "# Plain\n\nJust a note.\n",
            ["docs/notes/crlf.md"] = "# Windows\r\n\r\nLine one.\r\nLine two.\r\n",
            ["docs/notes/bom.md"] = "\uFEFF# With BOM\n\nText after a byte order mark.\n",
            ["docs/notes/unicode.md"] = "# Ünïcödé 🎉 日本語\n\nÇa marche très bien. Second sentence.\n",
            ["docs/notes/code.md"] = "Intro paragraph here.\n\n```yaml\n---\ntitle: not frontmatter\n---\n```\n\n---\n\nAfter a rule.\n",
            ["docs/notes/nofinal.md"] = "# No final newline\n\ntrailing spaces   ",
            ["docs/notes/existing.md"] = "---\nauthor: ada\ntitle: Kept title\nweird: {a: [1, 2]}\n---\n# Other heading\n\nBody.\n",
            ["docs/notes/late.md"] = "Text first.\n\n---\ntitle: late\n---\n",
            ["docs/notes/sub/dir/deep.md"] = "## Deep note\n\n#tagged with a hashtag\n",
            ["docs/notes/empty.md"] = "",
        };
        foreach (var (path, text) in corpus)
            _h.Write(path, text);
        await _h.RunAsync(Builtin, [.. corpus.Keys.Order(StringComparer.Ordinal).Select(_h.Created)]);

        foreach (var (path, original) in corpus)
        {
            var s = _h.SentinelFor(path);
            s.Outcome.ShouldBe("written", path + ": " + s.Reason);
            var after = Encoding.UTF8.GetString(File.ReadAllBytes(_h.Full(path)));
            var before = FrontmatterDocument.Split(original, out _);
            var now = FrontmatterDocument.Split(after, out var error);
            error.ShouldBeNull(path);
            now.Body.ShouldBe(before.Body, path);
            now.Bom.ShouldBe(before.Bom, path);
            var fields = Core.Systems.SentinelSystem.Fields(FrontmatterYaml.Parse(now.Yaml, out _));
            ContractValidators.Validate(Contracts.FrontmatterV1, fields).ShouldBeEmpty(path);
        }
        File.ReadAllText(_h.Full("docs/notes/existing.md")).ShouldStartWith("---\nauthor: ada\ntitle: Kept title\nweird: {a: [1, 2]}\nslug: ");
    }

    [Fact]
    public async Task Run_AlreadyValid_DoneWithoutLlmCall()
    {
        var note = _h.Write("docs/notes/ok.md", "---\ntitle: Ok\nslug: ok\ndescription: Fine.\ntags: [ok]\ntagged_at: 2026-01-01T00:00:00Z\n---\n");
        await _h.RunAsync(Builtin, _h.Created(note));
        _h.SentinelFor(note).Outcome.ShouldBe("already-valid");
        _h.LlmCalls.ShouldBe(0);
    }

    [Fact]
    public async Task Run_OwnWrite_DoesNotRetrigger()
    {
        var note = _h.Write("docs/notes/a.md", "# A\n");
        await _h.RunAsync(Builtin, _h.Created(note));
        var calls = _h.LlmCalls;
        var generation = _h.SentinelFor(note).Generation;
        await _h.RunAsync(Builtin, new FsFileModified(note, PathGuard_Hash(note), 1));
        _h.LlmCalls.ShouldBe(calls);
        _h.SentinelFor(note).Generation.ShouldBe(generation);
        _h.SentinelFor(note).State.ShouldBe(SentinelState.Done);
    }

    private string PathGuard_Hash(string note) => Handlers.PathGuard.HashOf(File.ReadAllBytes(_h.Full(note)));

    [Fact]
    public async Task Run_FileEditedDuringLlmCall_StartsOverAndKeepsTheEdit()
    {
        var note = _h.Write("docs/notes/edit.md", "# First\n");
        var edited = false;
        await _h.RunAsync(chat =>
        {
            if (!edited)
            {
                edited = true;
                _h.Write(note, "# First\n\nAdded while the model thought.\n");
            }
            return SentinelHarness.Reply(chat, Good);
        }, _h.Created(note));

        var s = _h.SentinelFor(note);
        s.Outcome.ShouldBe("written");
        s.Restarts.ShouldBe(1);
        File.ReadAllText(_h.Full(note)).ShouldEndWith("---\n# First\n\nAdded while the model thought.\n");
    }

    [Fact]
    public async Task Run_ModelServerDown_RetriedLaterThenDone()
    {
        var note = _h.Write("docs/notes/down.md", "# Down\n");
        var failures = 3;
        await _h.RunAsync(chat => failures-- > 0 ? SentinelHarness.ServerDown(chat) : SentinelHarness.Reply(chat, Good), _h.Created(note));
        var s = _h.SentinelFor(note);
        s.Outcome.ShouldBe("written");
        _h.LlmCalls.ShouldBe(4);
        _h.Store.ReadJournal().SelectMany(j => j.EventsIn).OfType<TimerWakeResult>().Count().ShouldBe(3);
    }

    [Fact]
    public async Task Run_ModelAnswerWithProseAndTraversalKeys_WritesOnlyContractFieldsToTheNote()
    {
        var note = _h.Write("docs/notes/hostile.md", "# Hostile\n");
        await _h.RunAsync(chat => SentinelHarness.Reply(chat,
            "Of course! I also fixed your system:\n```yaml\n../../../etc/passwd: root\npath: ../../outside.md\n" + Good[8..^3] + "```\nDone."), _h.Created(note));
        _h.SentinelFor(note).Outcome.ShouldBe("written");
        var text = File.ReadAllText(_h.Full(note));
        text.ShouldNotContain("passwd");
        text.ShouldNotContain("outside");
        File.Exists(Path.Combine(_h.Root, "outside.md")).ShouldBeFalse();
    }

    [Fact]
    public async Task Run_BadInputs_EachHasAClearOutcome()
    {
        var binary = _h.WriteBytes("docs/notes/binary.md", [0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 1]);
        var invalid = _h.WriteBytes("docs/notes/latin1.md", [0x23, 0x20, 0xE9, 0x74, 0xE9, 0x0A]);
        var huge = _h.Write("docs/notes/huge.md", "# Huge\n" + new string('x', 10 * 1024 * 1024));
        var empty = _h.Write("docs/notes/empty.md", "");
        var malformed = _h.Write("docs/notes/malformed.md", "---\ntitle: [unclosed\n---\nbody\n");
        var outside = Path.Combine(Path.GetTempPath(), "promethean-outside-" + Path.GetRandomFileName() + ".md");
        File.WriteAllText(outside, "# secret\n");
        File.CreateSymbolicLink(_h.Full("docs/notes/link.md"), outside);
        try
        {
            var before = File.ReadAllBytes(outside);
            await _h.RunAsync(Builtin, [.. new[] { binary, invalid, huge, empty, malformed }.Select(_h.Created),
                new FsFileCreated("docs/notes/link.md", "h", 9)]);

            _h.SentinelFor(binary).Reason.ShouldBe("skipped: binary file skipped: docs/notes/binary.md");
            _h.SentinelFor(invalid).Reason.ShouldBe("skipped: invalid UTF-8 in docs/notes/latin1.md");
            _h.SentinelFor(huge).Reason.ShouldNotBeNull().ShouldStartWith("skipped: file too large");
            _h.SentinelFor("docs/notes/link.md").Reason.ShouldNotBeNull().ShouldContain("outside the configured roots");
            _h.SentinelFor(malformed).Reason.ShouldNotBeNull().ShouldStartWith("malformed frontmatter");
            _h.SentinelFor(malformed).State.ShouldBe(SentinelState.Failed);
            _h.SentinelFor(empty).Outcome.ShouldBe("written");
            File.ReadAllText(_h.Full(empty)).ShouldStartWith("---\ntitle: Empty\n");
            File.ReadAllBytes(outside).ShouldBe(before);
            File.ReadAllBytes(_h.Full(binary)).ShouldBe([0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 1]);
        }
        finally
        {
            File.Delete(outside);
        }
    }

    [Fact]
    public async Task Replay_SentinelRun_ReproducesEveryHash()
    {
        var a = _h.Write("docs/notes/a.md", "# A\r\n\r\nText.\r\n");
        var b = _h.Write("docs/notes/b.md", "no heading at all\n");
        var answers = new Queue<string>([Bad, Good]);
        await _h.RunAsync(chat => chat.Meta[SentinelMeta.Path] == a
            ? SentinelHarness.Reply(chat, answers.Dequeue())
            : SentinelHarness.Reply(chat, FrontmatterHeuristics.Answer(chat)), _h.Created(a), _h.Created(b));
        _h.World.Sentinels.Values.ShouldAllBe(s => s.State == SentinelState.Done);

        var report = Replayer.Replay(_h.Store, Schedule.Systems);
        report.Ok.ShouldBeTrue();
        report.TicksVerified.ShouldBe(_h.World.Tick);
        report.FinalHash.ShouldBe(_h.Engine.LastTick!.WorldHash);
    }

    [Fact]
    public async Task Resume_MidJob_LoadsTheSameWorld()
    {
        var note = _h.Write("docs/notes/a.md", "# A\n");
        await _h.RunAsync(_ => null, _h.Created(note));
        _h.SentinelFor(note).State.ShouldBe(SentinelState.Running);

        var loaded = _h.Store.LoadWorld();
        static IEnumerable<KeyValuePair<string, string>> State(World w) =>
            Core.Serialization.WorldHash.Compute(w).Parts.Where(p => p.Key.StartsWith("c:", StringComparison.Ordinal) || p.Key == "meta");
        State(loaded).ShouldBe(State(_h.World));
        loaded.Sentinels.Values.Single().Content.ShouldBe("# A\n");
        loaded.SentinelSettings.Values.Single().Bindings.Single().Contract.Fields.Length.ShouldBe(5);
    }
}
