using System.Collections.Immutable;
using System.Globalization;
using Promethean.Core.Effects;

namespace Promethean.Core.Context;

/// <summary>
/// An assembled prompt: the messages (<c>system, [related..., persistent..., recent...]</c>), the answer size
/// left for the model, the tokens of each section, and what had to be left out and why.
/// </summary>
public sealed record AssembledContext(
    ImmutableArray<ChatMessage> Messages,
    int OutputTokens,
    ContextTokens Tokens,
    ImmutableArray<string> RelatedIds,
    ImmutableArray<string> DroppedPersistent,
    int DroppedRelated,
    int DroppedRecent,
    int Deduplicated,
    bool SystemTruncated);

/// <summary>Token counts per section, as the tokenizer counts them; <see cref="Prompt"/> is the whole request's.</summary>
public sealed record ContextTokens(int Window, int System, int Related, int Persistent, int Recent, int Tools, int Prompt, int Output)
{
    /// <summary>
    /// The counts as effect meta: <c>tokens.&lt;section&gt;</c> (the sections add up to <c>tokens.total</c>, the
    /// inspector reads them), plus the window and the answer size under <c>context.*</c>.
    /// </summary>
    public IEnumerable<KeyValuePair<string, string>> AsMeta()
    {
        static KeyValuePair<string, string> P(string k, int v) => new(k, v.ToString(CultureInfo.InvariantCulture));
        yield return P("tokens.system", System);
        yield return P("tokens.related", Related);
        yield return P("tokens.persistent", Persistent);
        yield return P("tokens.recent", Recent);
        yield return P("tokens.tools", Tools);
        yield return P("tokens.overhead", Prompt - System - Related - Persistent - Recent - Tools);
        yield return P("tokens.total", Prompt);
        yield return P("context.window", Window);
        yield return P("context.output", Output);
    }
}
