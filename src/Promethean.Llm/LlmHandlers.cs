using Microsoft.Extensions.Logging;
using Promethean.Llm.Builtin;
using Promethean.Runtime.Config;
using Promethean.Runtime.Handlers;

namespace Promethean.Llm;

/// <summary>Builds the <c>llm/chat</c> and <c>llm/embed</c> handlers from configuration, for the daemon's dispatcher.</summary>
public static class LlmHandlers
{
    public static IEffectHandler[] Create(LlmConfig config, ILoggerFactory logs, IEnumerable<IBuiltinResponder>? responders = null)
    {
        var router = new LlmRouter(config, logs, responders ?? [new FrontmatterResponder(), new MemorySummaryResponder(), new CephalonTurnResponder(), new JanitorResponder()]);
        return [new LlmChatHandler(router), new LlmEmbedHandler(router)];
    }
}
