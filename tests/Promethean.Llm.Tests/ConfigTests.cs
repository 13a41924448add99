using Promethean.Runtime.Config;

namespace Promethean.Llm.Tests;

public sealed class ConfigTests
{
    [Fact]
    public void Load_NoLlmSection_BuiltinChatAndLocalEmbeddings()
    {
        var config = ConfigLoader.Load(null);
        config.Llm.DefaultChatEndpoint.ShouldBe("builtin");
        config.Llm.DefaultEmbedEndpoint.ShouldBe("local");
        var endpoints = config.Llm.ResolvedEndpoints();
        endpoints["builtin"].Provider.ShouldBe(LlmProvider.Builtin);
        endpoints["local"].Provider.ShouldBe(LlmProvider.Local);
    }

    [Fact]
    public void Load_NamedEndpoint_BoundWithQuirkSettings()
    {
        var config = ConfigLoader.Load(null, new Dictionary<string, string?>
        {
            ["Llm:DefaultChatEndpoint"] = "ollama",
            ["Llm:Endpoints:ollama:BaseUrl"] = "http://localhost:11434/v1",
            ["Llm:Endpoints:ollama:Model"] = "qwen3:8b",
            ["Llm:Endpoints:ollama:ContextWindowTokens"] = "4096",
            ["Llm:Endpoints:ollama:MaxOutputTokens"] = "512",
            ["Llm:Endpoints:ollama:MaxTokensParameter"] = "MaxTokens",
            ["Llm:Endpoints:ollama:SupportsTools"] = "false",
            ["Llm:Endpoints:ollama:ApiKeyEnv"] = "OLLAMA_KEY",
        });
        var e = config.Llm.Endpoints["ollama"];
        e.ContextWindowTokens.ShouldBe(4096);
        e.MaxTokensParameter.ShouldBe(MaxTokensParameter.MaxTokens);
        e.SupportsTools.ShouldBeFalse();
        e.TimeoutSeconds.ShouldBe(60);
        config.Llm.ResolvedEndpoints().Keys.ShouldBe(["builtin", "local", "ollama"]);
    }

    [Theory]
    [InlineData("Llm:Endpoints:x:Bogus", "1", "Bogus")]
    [InlineData("Llm:Endpoints:x:ApiKeyEnv", "sk-abcdefghijklmnop", "ApiKeyEnv must name an environment variable")]
    [InlineData("Llm:Endpoints:x:BaseUrl", "localhost:11434", "BaseUrl must be an absolute http(s) URL")]
    [InlineData("Llm:DefaultChatEndpoint", "missing", "unknown endpoint 'missing'")]
    [InlineData("Llm:Endpoints:x:MaxOutputTokens", "9000", "MaxOutputTokens must be")]
    public void Load_BadLlmSetting_ErrorNamesTheKey(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Llm:Endpoints:x:BaseUrl"] = "http://h/v1",
            ["Llm:Endpoints:x:Model"] = "m",
        };
        settings[key] = value;
        var e = Should.Throw<ConfigException>(() => ConfigLoader.Load(null, settings));
        (e.Message + " " + e.InnerException?.InnerException?.Message).ShouldContain(expected);
        e.Message.ShouldNotContain("sk-abcdefghijklmnop");
    }
}
