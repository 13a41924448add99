using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core.Events;
using Promethean.Runtime.Adapters;
using Promethean.Runtime.Handlers;

namespace Promethean.Runtime.Tests;

public sealed class AdapterTests
{
    [Fact]
    public async Task Watcher_AnnouncesExistingNewAndChangedFiles_OnlyWhenContentChanges()
    {
        using var dir = new TempDir();
        dir.Write("n/old.md", "old");
        dir.Write("n/skip.bin", "x");
        var inbound = Channel.CreateUnbounded<Event>();
        var guard = new PathGuard(dir.Path, ["n"], 1 << 20);
        using var watcher = new FsWatcherAdapter(guard, ["n"], [".md"], TimeSpan.FromMilliseconds(200), inbound.Writer, NullLogger.Instance);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var run = watcher.RunAsync(stop.Token);

        (await inbound.Reader.ReadAsync(stop.Token)).ShouldBeOfType<FsFileCreated>().Path.ShouldBe("n/old.md");
        dir.Write("n/sub/new.md", "new");
        (await inbound.Reader.ReadAsync(stop.Token)).ShouldBeOfType<FsFileCreated>().Path.ShouldBe("n/sub/new.md");
        dir.Write("n/old.md", "changed");
        (await inbound.Reader.ReadAsync(stop.Token)).ShouldBeOfType<FsFileModified>().Path.ShouldBe("n/old.md");

        await watcher.RescanAsync(stop.Token);
        inbound.Reader.TryRead(out var extra).ShouldBeFalse(extra?.Type);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Timer_FiresAtItsCadence()
    {
        var inbound = Channel.CreateUnbounded<Event>();
        var timers = new TimerAdapter(new Dictionary<string, TimeSpan> { ["fast"] = TimeSpan.FromMilliseconds(50) }, inbound.Writer, TimeProvider.System);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var run = timers.RunAsync(stop.Token);
        (await inbound.Reader.ReadAsync(stop.Token)).ShouldBeOfType<TimerTick>().Timer.ShouldBe("fast");
        (await inbound.Reader.ReadAsync(stop.Token)).ShouldBeOfType<TimerTick>().Timer.ShouldBe("fast");
        await stop.CancelAsync();
        await run;
    }
}
