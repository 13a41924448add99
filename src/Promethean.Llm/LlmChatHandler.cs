using Promethean.Core.Context;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Runtime.Handlers;

namespace Promethean.Llm;

/// <summary>
/// Runs <c>llm/chat</c> against the named endpoint and answers <c>llm/response</c>: think-stripped text,
/// normalized tool calls, finish reason, usage (estimated with the tokenizer and marked so when the server
/// reported none), latency, model and endpoint. Failures carry the server's message with secrets removed.
/// </summary>
public sealed class LlmChatHandler(LlmRouter router, TimeProvider? time = null) : EffectHandler<LlmChat>
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    protected override async Task<Event> HandleAsync(LlmChat effect, CancellationToken cancellationToken)
    {
        var endpoint = router.ForChat(effect);
        var model = string.IsNullOrEmpty(effect.Model) ? endpoint.Config.Model : effect.Model;
        var started = _time.GetTimestamp();
        var result = await endpoint.Chat!.ChatAsync(effect, model, cancellationToken);
        var latency = (long)_time.GetElapsedTime(started).TotalMilliseconds;

        var tokens = endpoint.Tokens;
        var estimated = result.PromptTokens is null || result.CompletionTokens is null;
        var prompt = result.PromptTokens ?? tokens.CountMessages(effect.Messages) + tokens.CountTools(effect.Tools);
        var completion = result.CompletionTokens
            ?? tokens.Count(result.Text) + tokens.Count(result.Reasoning ?? "") + result.ToolCalls.Sum(c => tokens.Count(c.Name) + tokens.Count(c.Arguments));
        var notes = estimated ? result.Notes.Add($"usage not reported; estimated with {tokens.Encoding}") : result.Notes;
        return new LlmResponse(effect.Id, result.Text, result.ToolCalls, result.FinishReason, new LlmUsage(prompt, completion, estimated),
            latency, result.Model, endpoint.Name)
        {
            Meta = effect.Meta,
            Notes = notes,
        };
    }
}
