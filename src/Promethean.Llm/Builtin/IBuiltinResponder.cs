using Promethean.Core.Effects;

namespace Promethean.Llm.Builtin;

/// <summary>
/// The builtin provider's answer for one contract (chosen by the <c>llm/chat</c> effect's <c>Meta["contract"]</c>),
/// e.g. heuristic frontmatter for <c>frontmatter/v1</c>. Must be deterministic: same request, same reply.
/// </summary>
public interface IBuiltinResponder
{
    /// <summary>The contract id this responder answers, matched ordinally against <c>Meta["contract"]</c>.</summary>
    string Contract { get; }

    BuiltinReply Respond(LlmChat chat);
}
