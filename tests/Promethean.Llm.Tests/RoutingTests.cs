using System.Collections.Immutable;
using Promethean.Core.Effects;

namespace Promethean.Llm.Tests;

/// <summary>Endpoints chosen per effect, per contract and per session.</summary>
public sealed class RoutingTests
{
    private static LlmChat Unnamed(string key, string value) =>
        LlmHarness.Chat(endpoint: "") with { Meta = ImmutableSortedDictionary<string, string>.Empty.Add(key, value) };

    [Fact]
    public async Task Chat_NoEndpointNamed_RoutedByContractThenSessionThenDefault()
    {
        await using var h = await LlmHarness.StartAsync(configureLlm: c =>
        {
            c.ContractEndpoints["frontmatter/v1"] = LlmHarness.Endpoint;
            c.SessionEndpoints["c3-symbolic"] = LlmHarness.Endpoint;
        });
        (await h.ChatOkAsync(Unnamed("contract", "frontmatter/v1"))).Endpoint.ShouldBe(LlmHarness.Endpoint);
        (await h.ChatOkAsync(Unnamed("session", "c3-symbolic"))).Endpoint.ShouldBe(LlmHarness.Endpoint);
        (await h.ChatOkAsync(Unnamed("session", "janitor"))).Endpoint.ShouldBe("builtin");
        (await h.ChatOkAsync(LlmHarness.Chat(endpoint: "builtin") with { Meta = Unnamed("contract", "frontmatter/v1").Meta })).Endpoint.ShouldBe("builtin");
        h.Server.RequestCount.ShouldBe(2);
    }

    [Fact]
    public void Validate_RouteToUnknownEndpoint_Error()
    {
        var config = new Runtime.Config.LlmConfig { ContractEndpoints = { ["frontmatter/v1"] = "gone" } };
        Runtime.Config.LlmConfig.Validate(config).ShouldHaveSingleItem().ShouldContain("Llm:ContractEndpoints:frontmatter/v1 names an unknown endpoint 'gone'");
    }
}
