using Promethean.Runtime.Config;

namespace Promethean.Runtime.Tests;

public sealed class ConfigTests
{
    [Fact]
    public void Load_NoFile_GivesEmbeddedDefaults()
    {
        var config = ConfigLoader.Load(null);
        config.Fs.Roots.ShouldBe(["docs/notes"]);
        config.Cephalons.ShouldHaveSingleItem().Name.ShouldBe("Duck");
        config.Timers.ShouldContainKey("janitor");
    }

    [Fact]
    public void Load_UnknownKey_IsAnErrorNamingIt()
    {
        using var dir = new TempDir();
        var path = dir.Write("c.json", """{ "Engine": { "MaxBatch": 10, "MaxBacth": 3 } }""");
        Should.Throw<ConfigException>(() => ConfigLoader.Load(path)).Message.ShouldContain("MaxBacth");
    }

    [Fact]
    public void Load_InvalidValue_IsAnErrorNamingTheKey()
    {
        using var dir = new TempDir();
        var path = dir.Write("c.json", """{ "Engine": { "MaxBatch": "lots" } }""");
        Should.Throw<ConfigException>(() => ConfigLoader.Load(path)).Message.ShouldContain("MaxBatch");
    }

    [Fact]
    public void Load_OutOfRangeValue_IsAnErrorNamingTheKey()
    {
        Should.Throw<ConfigException>(() => ConfigLoader.Load(null, new Dictionary<string, string?> { ["Engine:MaxBatch"] = "0" }))
            .Message.ShouldContain("Engine:MaxBatch");
    }

    [Fact]
    public void Load_MalformedJson_IsAClearError()
    {
        using var dir = new TempDir();
        var path = dir.Write("c.json", "{ \"Engine\": ");
        Should.Throw<ConfigException>(() => ConfigLoader.Load(path)).Message.ShouldContain("not valid JSON");
    }

    [Fact]
    public void Load_Override_WinsOverFile()
    {
        using var dir = new TempDir();
        var path = dir.Write("c.json", """{ "Engine": { "MaxBatch": 10 } }""");
        ConfigLoader.Load(path, new Dictionary<string, string?> { ["Engine:MaxBatch"] = "20" }).Engine.MaxBatch.ShouldBe(20);
    }

    [Fact]
    public void Genesis_BuildsCephalonsAndSessions()
    {
        var world = Genesis.Build(ConfigLoader.Load(null));
        var cephalon = world.Cephalons.ShouldHaveSingleItem().Value;
        cephalon.Sessions.Count.ShouldBe(2);
        world.Sessions.Values.Select(s => s.Name).ShouldBe(["janitor", "c3-symbolic"]);
    }
}
