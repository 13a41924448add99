using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Runtime.Handlers;

namespace Promethean.Runtime.Tests;

public sealed class FsHandlerTests
{
    private static EffectDispatcher Dispatcher(PathGuard guard) =>
        new([new FsReadHandler(guard), new FsWriteHandler(guard)], 8, TimeSpan.FromSeconds(5), NullLogger.Instance);

    [Fact]
    public async Task Write_ThenRead_RoundTripsAtomically()
    {
        using var dir = new TempDir();
        var d = Dispatcher(new PathGuard(dir.Path, ["n"], 1 << 20));
        var written = (await d.DispatchAsync(new FsWrite("n/a.md", "héllo\r\n") { Id = "1-0" }, default)).ShouldBeOfType<FsWriteResult>();
        var read = (await d.DispatchAsync(new FsRead("n/a.md") { Id = "1-1" }, default)).ShouldBeOfType<FsReadResult>();
        read.Content.ShouldBe("héllo\r\n");
        read.ContentHash.ShouldBe(written.ContentHash);
        Directory.GetFiles(dir.Combine("n")).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Write_FileChangedSinceRead_IsAnErrorAndLeavesTheFile()
    {
        using var dir = new TempDir();
        dir.Write("n/a.md", "edited by a person");
        var d = Dispatcher(new PathGuard(dir.Path, ["n"], 1 << 20));
        var error = (await d.DispatchAsync(new FsWrite("n/a.md", "new", ExpectedHash: "0000") { Id = "1-0" }, default)).ShouldBeOfType<EffectError>();
        error.Type.ShouldBe("fs/write.error");
        error.Message.ShouldContain("changed since it was read");
        File.ReadAllText(dir.Combine("n/a.md")).ShouldBe("edited by a person");
    }

    [Fact]
    public async Task Write_Redispatched_IsIdempotent()
    {
        using var dir = new TempDir();
        dir.Write("n/a.md", "old");
        var d = Dispatcher(new PathGuard(dir.Path, ["n"], 1 << 20));
        var expected = PathGuard.HashOf("old");
        (await d.DispatchAsync(new FsWrite("n/a.md", "new", expected) { Id = "1-0" }, default)).ShouldBeOfType<FsWriteResult>();
        (await d.DispatchAsync(new FsWrite("n/a.md", "new", expected) { Id = "1-0" }, default)).ShouldBeOfType<FsWriteResult>();
        File.ReadAllText(dir.Combine("n/a.md")).ShouldBe("new");
    }

    [Fact]
    public async Task Read_PathEscape_IsAnErrorEvent()
    {
        using var dir = new TempDir();
        var d = Dispatcher(new PathGuard(dir.Path, ["n"], 1 << 20));
        var error = (await d.DispatchAsync(new FsRead("n/../../etc/passwd") { Id = "2-0" }, default)).ShouldBeOfType<EffectError>();
        error.EffectId.ShouldBe("2-0");
        error.Type.ShouldBe("fs/read.error");
    }
}
