using System.Text;
using Promethean.Runtime.Handlers;

namespace Promethean.Runtime.Tests;

public sealed class PathGuardTests
{
    [Theory]
    [InlineData("docs/notes/../../etc/passwd")]
    [InlineData("../outside.md")]
    [InlineData("docs/notes/..")]
    public void Resolve_DotDot_Refused(string path)
    {
        using var dir = new TempDir();
        var guard = new PathGuard(dir.Path, ["docs/notes"], 1024);
        Should.Throw<EffectFailedException>(() => guard.Resolve(path)).Message.ShouldContain("..");
    }

    [Fact]
    public void Resolve_AbsolutePathOutsideRoots_Refused()
    {
        using var dir = new TempDir();
        var guard = new PathGuard(dir.Path, ["docs/notes"], 1024);
        Should.Throw<EffectFailedException>(() => guard.Resolve("/etc/passwd")).Message.ShouldContain("outside the configured roots");
    }

    [Fact]
    public void Resolve_SymlinkPointingOutside_Refused()
    {
        using var dir = new TempDir();
        dir.Write("secret.txt", "s3cret");
        Directory.CreateDirectory(dir.Combine("docs", "notes"));
        File.CreateSymbolicLink(dir.Combine("docs", "notes", "link.md"), dir.Combine("secret.txt"));
        Directory.CreateSymbolicLink(dir.Combine("docs", "notes", "sub"), dir.Path);
        var guard = new PathGuard(dir.Path, ["docs/notes"], 1024);
        Should.Throw<EffectFailedException>(() => guard.Resolve("docs/notes/link.md"));
        Should.Throw<EffectFailedException>(() => guard.Resolve("docs/notes/sub/secret.txt"));
    }

    [Fact]
    public void Resolve_InsideRoot_Allowed()
    {
        using var dir = new TempDir();
        var guard = new PathGuard(dir.Path, ["docs/notes"], 1024);
        guard.Resolve("docs/notes/a/b.md").ShouldBe(dir.Combine("docs", "notes", "a", "b.md"));
    }

    [Fact]
    public void ReadText_Binary_InvalidUtf8_TooLarge_AreClearErrors()
    {
        using var dir = new TempDir();
        var guard = new PathGuard(dir.Path, ["n"], 64);
        Directory.CreateDirectory(dir.Combine("n"));
        File.WriteAllBytes(dir.Combine("n", "bin.md"), [0x50, 0x4b, 0x00, 0x01]);
        File.WriteAllBytes(dir.Combine("n", "bad.md"), [0x61, 0xff, 0xfe, 0x62]);
        File.WriteAllText(dir.Combine("n", "big.md"), new string('x', 65));
        Should.Throw<EffectFailedException>(() => guard.ReadText(dir.Combine("n", "bin.md"))).Message.ShouldContain("binary");
        Should.Throw<EffectFailedException>(() => guard.ReadText(dir.Combine("n", "bad.md"))).Message.ShouldContain("invalid UTF-8");
        Should.Throw<EffectFailedException>(() => guard.ReadText(dir.Combine("n", "big.md"))).Message.ShouldContain("too large");
    }

    [Fact]
    public void ReadText_Utf8WithBom_KeepsTheBom()
    {
        using var dir = new TempDir();
        var guard = new PathGuard(dir.Path, ["n"], 64);
        Directory.CreateDirectory(dir.Combine("n"));
        File.WriteAllBytes(dir.Combine("n", "bom.md"), [0xEF, 0xBB, 0xBF, (byte)'h', (byte)'i']);
        var (text, _) = guard.ReadText(dir.Combine("n", "bom.md"));
        text.ShouldBe("\uFEFFhi");
        Encoding.UTF8.GetBytes(text).Length.ShouldBe(5);
    }
}
