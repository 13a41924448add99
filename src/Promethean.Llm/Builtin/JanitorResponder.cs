using System.Text;
using Promethean.Core.Components;
using Promethean.Core.Context;
using Promethean.Core.Effects;

namespace Promethean.Llm.Builtin;

/// <summary>
/// The offline janitor: turns the facts the janitor session gathered (its newest user message) into a
/// markdown report, with the memories retrieval judged related to them listed at the end.
/// </summary>
public sealed class JanitorResponder : IBuiltinResponder
{
    public const int RelatedShown = 5;

    public string Contract => CephalonContracts.Janitor;

    public BuiltinReply Respond(LlmChat chat)
    {
        var facts = chat.Messages.LastOrDefault(m => m.Role == "user" && m.Content.Contains("Janitor report", StringComparison.Ordinal));
        if (facts is null)
            return new BuiltinReply("<cephalon:silence/>");
        var body = facts.Content;
        var colon = body.IndexOf(": ", StringComparison.Ordinal);
        if (colon is > 0 and < 64 && body.StartsWith("janitor: ", StringComparison.Ordinal))
            body = body[(colon + 2)..];
        var text = new StringBuilder("# Janitor report\n\n").Append(body.TrimEnd()).Append('\n');
        var related = chat.Messages.Where(m => m.Role == "system" && m.Content.StartsWith(ContextAssembler.RelatedHeader, StringComparison.Ordinal))
            .SelectMany(m => m.Content.Split('\n').Skip(1)).Take(RelatedShown).ToList();
        if (related.Count > 0)
        {
            text.Append("\n## Related memories\n");
            foreach (var line in related)
                text.Append(line).Append('\n');
        }
        return new BuiltinReply(text.ToString().TrimEnd());
    }
}
