using Promethean.Cli;
using Promethean.Runtime.Config;
using Promethean.TestSupport;

namespace Promethean.Llm.Tests;

/// <summary><c>promethean llm check</c> against the loopback server: the table, the settings needed, the quirks handled.</summary>
public sealed class LlmCheckTests
{
    private static PrometheanConfig Config(string baseUrl, Action<LlmEndpointConfig>? configure = null)
    {
        var endpoint = new LlmEndpointConfig { BaseUrl = baseUrl, Model = LoopbackLlmServer.ModelId, EmbeddingModel = "loopback-embed", BackoffBaseMilliseconds = 5 };
        configure?.Invoke(endpoint);
        return new PrometheanConfig { Llm = new LlmConfig { Endpoints = { ["loop"] = endpoint } } };
    }

    private static async Task<(int Code, string Output)> CheckAsync(PrometheanConfig config, string endpoint = "loop")
    {
        using var output = new StringWriter();
        var code = await LlmCommands.CheckAsync(config, endpoint, output, CancellationToken.None);
        return (code, output.ToString());
    }

    [Fact]
    public async Task Check_CompliantServer_PrintsTableAllOk()
    {
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Chat.Enqueue(ScriptedReply.Chat("pong")).Enqueue(ScriptedReply.ToolCalls("""[{"id":"c1","type":"function","function":{"name":"get_time","arguments":"{\"timezone\":\"UTC\"}"}}]"""));
        var (code, output) = await CheckAsync(Config(server.BaseUrl));
        code.ShouldBe(0);
        output.ShouldContain("endpoint loop: " + server.BaseUrl);
        output.ShouldContain("check      result  detail");
        output.ShouldContain("models     ok      1 listed; 'loopback-model' among them");
        output.ShouldContain("chat       ok      \"pong\" finish=stop");
        output.ShouldContain("tool call  ok      get_time({\"timezone\":\"UTC\"}) finish=tool_calls");
        output.ShouldContain("embedding  ok      8 dims, model loopback-embed");
        output.ShouldContain("settings needed: none");
        server.Requests.Select(r => r.Path).ShouldBe(["/v1/models", "/v1/chat/completions", "/v1/chat/completions", "/v1/embeddings"]);
    }

    [Fact]
    public async Task Check_QuirkyServer_NamesSettingsAndHandledQuirks()
    {
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Chat
            .Enqueue(ScriptedReply.Json(400, """{"error":{"message":"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."}}"""))
            .Enqueue(ScriptedReply.Chat("<think>easy</think>pong", finishReason: null, usage: false))
            .Enqueue(ScriptedReply.Json(400, """{"object":"error","message":"\"auto\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set"}"""))
            .Enqueue(ScriptedReply.Chat("It is noon."));
        server.ShuffleEmbeddings = true;
        var (code, output) = await CheckAsync(Config(server.BaseUrl));
        code.ShouldBe(1);
        output.ShouldContain("\"pong\" only with max_completion_tokens");
        output.ShouldContain("Llm:Endpoints:loop:MaxTokensParameter = MaxCompletionTokens");
        output.ShouldContain("tool call  FAIL    the server rejects tools");
        output.ShouldContain("Llm:Endpoints:loop:SupportsTools = false");
        output.ShouldContain("- reasoning stripped from <think> tags");
        output.ShouldContain("- usage not reported: estimated with the tokenizer and marked estimated");
        output.ShouldContain("- embeddings came back out of order; matched by index");
        server.Requests[2].Json!.ContainsKey("max_completion_tokens").ShouldBeTrue();
    }

    [Fact]
    public async Task Check_BaseUrlWithoutV1_RecommendsAddingIt()
    {
        await using var server = await LoopbackLlmServer.StartAsync();
        var (code, output) = await CheckAsync(Config(server.RootUrl));
        code.ShouldBe(1);
        output.ShouldContain("models     FAIL");
        output.ShouldContain($"Llm:Endpoints:loop:BaseUrl = {server.RootUrl}/v1");
    }

    [Fact]
    public async Task Check_BuiltinEndpoint_OkOffline()
    {
        var (code, output) = await CheckAsync(new PrometheanConfig(), "builtin");
        code.ShouldBe(0);
        output.ShouldContain("endpoint builtin: builtin deterministic chat");
        output.ShouldContain("chat   ok      builtin offline provider: \"Summary of 1 message(s)");
    }

    [Fact]
    public void Create_LlmCommand_HasCheckWithEndpointOption()
    {
        var llm = LlmCommands.Create(new System.CommandLine.Option<string?>("--config"));
        llm.Name.ShouldBe("llm");
        var check = llm.Subcommands.ShouldHaveSingleItem();
        check.Name.ShouldBe("check");
        check.Options.ShouldContain(o => o.Name == "--endpoint");
    }

    [Fact]
    public async Task Check_UnknownEndpoint_ConfigError() =>
        (await Should.ThrowAsync<ConfigException>(CheckAsync(new PrometheanConfig(), "nope"))).Message.ShouldContain("builtin, local");
}
