using Promethean.Runtime.Config;

namespace Promethean.Discord.Tests;

/// <summary>The token stays out of strings, logs and errors; the Discord config section binds and validates.</summary>
public sealed class SecretAndConfigTests
{
    [Fact]
    public void Token_ToStringAndInterpolation_NeverShowTheValue()
    {
        var token = new DiscordToken("Bot MTIz.secret.value");

        token.ToString().ShouldNotContain("secret");
        $"token is {token}".ShouldNotContain("secret");
        token.Raw.ShouldBe("MTIz.secret.value");
        token.AuthorizationHeader.ShouldBe("Bot MTIz.secret.value");
    }

    [Fact]
    public void FromEnvironment_UnsetOrBlank_IsNull()
    {
        var variable = "PROMETHEAN_TEST_TOKEN_" + Guid.NewGuid().ToString("n");
        DiscordToken.FromEnvironment(variable).ShouldBeNull();
        Environment.SetEnvironmentVariable(variable, "  ");
        DiscordToken.FromEnvironment(variable).ShouldBeNull();
        Environment.SetEnvironmentVariable(variable, null);
    }

    [Fact]
    public void Load_DiscordSection_Binds()
    {
        var config = ConfigLoader.Load(null, new Dictionary<string, string?>
        {
            ["Discord:TokenEnvironmentVariable"] = "MY_BOT_TOKEN",
            ["Discord:GatewayUrl"] = "wss://example.test",
            ["Discord:RestBaseUrl"] = "http://127.0.0.1:1/api/v10",
            ["Discord:AllowedMentions:0"] = "users",
            ["Discord:Channels:0"] = "800000000000000001",
        });

        config.Discord.TokenEnvironmentVariable.ShouldBe("MY_BOT_TOKEN");
        config.Discord.GatewayUrl.ShouldBe("wss://example.test");
        config.Discord.AllowedMentions.ShouldBe(["users"]);
        config.Discord.Channels.ShouldBe(["800000000000000001"]);
    }

    [Fact]
    public void Load_Defaults_AreDiscordV10AndNoMentions()
    {
        var config = ConfigLoader.Load(null);

        config.Discord.TokenEnvironmentVariable.ShouldBe("DISCORD_TOKEN");
        config.Discord.RestBaseUrl.ShouldBe("https://discord.com/api/v10");
        config.Discord.AllowedMentions.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("Discord:AllowedMentions:0", "here", "Discord:AllowedMentions")]
    [InlineData("Discord:Channels:0", "general", "Discord:Channels")]
    [InlineData("Discord:RestBaseUrl", "not a url", "Discord:RestBaseUrl")]
    [InlineData("Discord:TokenEnvironmentVariable", " ", "Discord:TokenEnvironmentVariable")]
    public void Load_BadDiscordValue_NamesTheKey(string key, string value, string named)
    {
        var e = Should.Throw<ConfigException>(() => ConfigLoader.Load(null, new Dictionary<string, string?> { [key] = value }));

        e.Message.ShouldContain(named);
    }

    [Fact]
    public void WithQuery_AnyGatewayUrl_GetsVersionAndEncoding()
    {
        DiscordGateway.WithQuery(new Uri("wss://gateway-us-east1-b.discord.gg")).ToString().ShouldBe("wss://gateway-us-east1-b.discord.gg/?v=10&encoding=json");
        DiscordGateway.WithQuery(new Uri("wss://gateway.discord.gg/?v=9")).Query.ShouldBe("?v=10&encoding=json");
    }
}
