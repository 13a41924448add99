using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Promethean.Core.Effects;
using Promethean.Runtime.Handlers;

namespace Promethean.Llm.Builtin;

/// <summary>
/// The offline chat provider: no model, no network. The effect's <c>Meta["contract"]</c> picks a responder;
/// without one (or for an unknown contract) the <see cref="SummaryResponder"/> answers. Replies pass through
/// <see cref="ChatResponseParser"/> like a server's, and carry no usage, so the handler estimates it.
/// </summary>
public sealed class BuiltinChatProvider : IChatProvider
{
    public const string ContractKey = "contract";

    private readonly ImmutableSortedDictionary<string, IBuiltinResponder> _responders;
    private readonly IBuiltinResponder _fallback;

    public BuiltinChatProvider(IEnumerable<IBuiltinResponder>? responders = null, IBuiltinResponder? fallback = null)
    {
        var map = ImmutableSortedDictionary.CreateBuilder<string, IBuiltinResponder>(StringComparer.Ordinal);
        foreach (var r in responders ?? [])
        {
            if (!map.TryAdd(r.Contract, r))
                throw new ArgumentException($"two builtin responders for contract '{r.Contract}'", nameof(responders));
        }
        _responders = map.ToImmutable();
        _fallback = fallback ?? new SummaryResponder();
    }

    public IEnumerable<string> Contracts => _responders.Keys;

    public Task<ChatResult> ChatAsync(LlmChat chat, string model, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var responder = chat.Meta.TryGetValue(ContractKey, out var contract) && _responders.TryGetValue(contract, out var r) ? r : _fallback;
        var reply = responder.Respond(chat);
        try
        {
            return Task.FromResult(ChatResponseParser.Parse(reply.RawBody ?? Body(reply, model), chat.Id, model));
        }
        catch (MalformedReplyException e)
        {
            throw new EffectFailedException($"builtin responder '{responder.Contract}': {e.Message}", retryable: true);
        }
    }

    private static string Body(BuiltinReply reply, string model)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = reply.Content };
        if (!reply.ToolCalls.IsDefaultOrEmpty)
        {
            message["tool_calls"] = new JsonArray([.. reply.ToolCalls.Select(c =>
            {
                var call = new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments } };
                if (c.Id is not null)
                    call["id"] = c.Id;
                return (JsonNode?)call;
            })]);
        }
        var choice = new JsonObject { ["index"] = 0, ["message"] = message };
        if (reply.FinishReason is not null)
            choice["finish_reason"] = reply.FinishReason;
        return new JsonObject { ["model"] = model, ["choices"] = new JsonArray(choice) }.ToJsonString();
    }
}
