using Promethean.Core.Effects;
using Promethean.Core.Sentinels;

namespace Promethean.Llm.Builtin;

/// <summary>
/// The builtin answer for the <c>frontmatter/v1</c> contract: heuristic frontmatter (title from the
/// first heading or file name, slug, first sentence, tags from the tagger) so the sentinel works
/// offline. Deterministic: the path and time come from the effect's meta, the note from the prompt.
/// </summary>
public sealed class FrontmatterResponder : IBuiltinResponder
{
    public string Contract => "frontmatter/v1";

    public BuiltinReply Respond(LlmChat chat) => new(FrontmatterHeuristics.Answer(chat));
}
