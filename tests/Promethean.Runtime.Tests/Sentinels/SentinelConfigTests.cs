using Promethean.Runtime.Config;

namespace Promethean.Runtime.Tests.Sentinels;

public sealed class SentinelConfigTests
{
    [Fact]
    public void Genesis_DefaultConfig_RecordsFrontmatterBindingForDocsNotes()
    {
        var world = Genesis.Build(ConfigLoader.Load(null));
        var settings = world.SentinelSettings.Values.ShouldHaveSingleItem();
        var binding = settings.Bindings.ShouldHaveSingleItem();
        binding.Globs.ShouldBe(["docs/notes/**/*.md"]);
        binding.Contract.Id.ShouldBe("frontmatter/v1");
        settings.Endpoint.ShouldBe("builtin");
        settings.DebounceMs.ShouldBe(750);
    }

    [Fact]
    public void Load_Overrides_ReachTheSettings()
    {
        var config = ConfigLoader.Load(null, new Dictionary<string, string?>
        {
            ["Sentinel:Paths:0"] = "vault/**/*.md",
            ["Sentinel:Endpoint"] = "ollama",
            ["Sentinel:Model"] = "qwen3-vl-2b",
            ["Sentinel:MaxAttempts"] = "3",
        });
        var settings = config.Sentinel.ToSettings();
        settings.Bindings[0].Globs.ShouldBe(["vault/**/*.md"]);
        settings.Bindings[0].Contract.Model.ShouldBe("qwen3-vl-2b");
        settings.Endpoint.ShouldBe("ollama");
        settings.MaxAttempts.ShouldBe(3);
    }

    [Theory]
    [InlineData("Sentinel:DebounceMs", "-1")]
    [InlineData("Sentinel:MaxAttempts", "0")]
    [InlineData("Sentinel:Paths:0", "../outside/*.md")]
    public void Load_BadValue_ErrorNamesTheKey(string key, string value)
    {
        var e = Should.Throw<ConfigException>(() => ConfigLoader.Load(null, new Dictionary<string, string?> { [key] = value }));
        e.Message.ShouldContain(key.Split(':')[0] + ":" + key.Split(':')[1]);
    }

    [Fact]
    public void Genesis_Disabled_NoSettings() =>
        Genesis.Build(ConfigLoader.Load(null, new Dictionary<string, string?> { ["Sentinel:Enabled"] = "false" })).SentinelSettings.ShouldBeEmpty();
}
