using Promethean.Runtime.Config;

namespace Promethean.Runtime.Tests;

public sealed class ConfigTests
{
    [Fact]
    public void Load_NoFile_GivesEmbeddedDefaults()
    {
        var config = ConfigLoader.Load(null);
        config.Fs.Roots.ShouldBe(["docs/notes", "reports"], "the janitor's report folder is written to, so it is a root");
        config.Fs.Watch.ShouldBe(["docs/notes"], "reports are memories already; the watcher does not read them back");
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

    [Theory]
    [InlineData("Engine:MaxBatch", "0")]
    [InlineData("Engine:ScriptGroupTicks", "0")]
    [InlineData("Engine:ScriptGroupMilliseconds", "-1")]
    [InlineData("Engine:CollectBetweenTicksMegabytes", "-1")]
    public void Load_OutOfRangeValue_IsAnErrorNamingTheKey(string key, string value)
    {
        Should.Throw<ConfigException>(() => ConfigLoader.Load(null, new Dictionary<string, string?> { [key] = value }))
            .Message.ShouldContain(key);
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
    public void Load_CompactionSection_ReachesTheWorldAsSettings()
    {
        using var dir = new TempDir();
        var path = dir.Write("c.json", """
            { "Memory": { "Compaction": { "EveryMinutes": 60, "MinAgeHours": 48, "BucketHours": 6, "Kinds": ["discord.message", "note"], "MaxInFlight": 1 } } }
            """);
        var compaction = Genesis.Build(ConfigLoader.Load(path)).MemoryConfig.Compaction;
        compaction.EveryMs.ShouldBe(3_600_000);
        compaction.MinAgeMs.ShouldBe(48 * 3_600_000L);
        compaction.BucketMs.ShouldBe(6 * 3_600_000L);
        compaction.Kinds.ShouldBe(["discord.message", "note"]);
        compaction.MaxInFlight.ShouldBe(1);
        Core.Serialization.CanonicalJson.SerializeToString(Genesis.Build(ConfigLoader.Load(null)).MemoryConfig.Compaction)
            .ShouldBe(Core.Serialization.CanonicalJson.SerializeToString(Core.Components.CompactionSettings.Default));
    }

    [Fact]
    public void Load_CompactingSummaries_IsAnErrorNamingTheKey()
    {
        Should.Throw<ConfigException>(() => ConfigLoader.Load(null, new Dictionary<string, string?> { ["Memory:Compaction:Kinds:0"] = "summary" }))
            .Message.ShouldContain("Memory:Compaction:Kinds");
        Should.Throw<ConfigException>(() => ConfigLoader.Load(null, new Dictionary<string, string?> { ["Memory:Compaction:MinGroupSize"] = "1" }))
            .Message.ShouldContain("Memory:Compaction:MinGroupSize");
    }

    [Fact]
    public void Load_Prices_ReachTheWorldKeyedByEndpointAndModel()
    {
        var config = ConfigLoader.Load(null, new Dictionary<string, string?>
        {
            ["Llm:Endpoints:openai:BaseUrl"] = "https://api.openai.com/v1",
            ["Llm:Endpoints:openai:Model"] = "gpt-4o-mini",
            ["Llm:Endpoints:openai:Prices:gpt-4o-mini:InputPerMillion"] = "0.15",
            ["Llm:Endpoints:openai:Prices:gpt-4o-mini:OutputPerMillion"] = "0.6",
        });
        var prices = Genesis.Build(config).Prices;
        prices.PriceOf("openai", "gpt-4o-mini-2024-07-18").ShouldBe(new Core.Components.TokenPrice(0.15, 0.6));
        prices.PriceOf("builtin", "builtin").ShouldBeNull();
        Genesis.Build(ConfigLoader.Load(null)).OlympiaSettings.ShouldBeEmpty();
        Should.Throw<ConfigException>(() => ConfigLoader.Load(null, new Dictionary<string, string?> { ["Llm:Endpoints:builtin:Provider"] = "Builtin", ["Llm:Endpoints:builtin:Prices:*:InputPerMillion"] = "-1" }))
            .Message.ShouldContain("Llm:Endpoints:builtin:Prices:*");
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
