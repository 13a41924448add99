using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Sentinels;
using Promethean.Runtime.Adapters;

namespace Promethean.Runtime.Tests.Sentinels;

public sealed class SentinelWatcherTests : IDisposable
{
    private readonly SentinelHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static Event Builtin(LlmChat chat) => SentinelHarness.Reply(chat, FrontmatterHeuristics.Answer(chat));

    private async Task<Event[]> RescanAsync(FsWatcherAdapter watcher, Channel<Event> channel)
    {
        await watcher.RescanAsync(CancellationToken.None);
        var events = new List<Event>();
        while (channel.Reader.TryRead(out var e))
            events.Add(e);
        return [.. events];
    }

    [Fact]
    public async Task Watcher_SeesTheSentinelsOwnWrite_NoSecondJob()
    {
        var channel = Channel.CreateUnbounded<Event>();
        using var watcher = new FsWatcherAdapter(_h.Guard, ["docs/notes"], [".md"], TimeSpan.FromHours(1), channel.Writer, NullLogger.Instance);
        _h.Write("docs/notes/a.md", "# A\n\nText.\n");
        _h.Write("docs/notes/b.md", "# B\n\nMore text.\n");

        await _h.RunAsync(Builtin, await RescanAsync(watcher, channel));
        _h.LlmCalls.ShouldBe(2);
        var generations = _h.World.Sentinels.Values.Select(s => s.Generation).ToList();

        var own = await RescanAsync(watcher, channel);
        own.Length.ShouldBe(2);
        own.ShouldAllBe(e => e is FsFileModified);
        await _h.RunAsync(Builtin, own);

        _h.LlmCalls.ShouldBe(2);
        _h.World.Sentinels.Values.Select(s => s.Generation).ShouldBe(generations);
    }

    [Fact]
    public async Task Watcher_UserEditAfterDone_SentinelRunsAgainAndKeepsTheEdit()
    {
        var channel = Channel.CreateUnbounded<Event>();
        using var watcher = new FsWatcherAdapter(_h.Guard, ["docs/notes"], [".md"], TimeSpan.FromHours(1), channel.Writer, NullLogger.Instance);
        _h.Write("docs/notes/a.md", "# A\n");
        await _h.RunAsync(Builtin, await RescanAsync(watcher, channel));
        await _h.RunAsync(Builtin, await RescanAsync(watcher, channel));

        var text = File.ReadAllText(_h.Full("docs/notes/a.md"));
        _h.Write("docs/notes/a.md", text.Replace("slug: a\n", "slug: Not Kebab\n", StringComparison.Ordinal) + "More.\n");
        await _h.RunAsync(Builtin, await RescanAsync(watcher, channel));

        _h.LlmCalls.ShouldBe(2);
        var after = File.ReadAllText(_h.Full("docs/notes/a.md"));
        after.ShouldContain("slug: a\n");
        after.ShouldEndWith("---\n# A\nMore.\n");
    }
}
