using System.Collections.Immutable;
using System.Text;
using Promethean.Core.Components;
using Promethean.Core.Effects;

namespace Promethean.Core.Sentinels;

/// <summary>
/// Builds the chat messages for a sentinel's <c>llm/chat</c>: the contract's rules, the existing
/// frontmatter, a body excerpt within the token budget. A retry is stricter: it quotes the
/// violations of the rejected answer and asks for the YAML block alone.
/// </summary>
public static class PromptBuilder
{
    public const string BodyStart = "----- BEGIN NOTE BODY -----";
    public const string BodyEnd = "----- END NOTE BODY -----";
    public const int CharsPerToken = 4;

    public static ImmutableArray<ChatMessage> Build(PromptInput input, int bodyBudgetTokens)
    {
        var fields = input.Contract.Fields;
        var system = new StringBuilder()
            .AppendLine("You maintain the YAML frontmatter of markdown notes. Propose values for these fields:")
            .AppendJoin("", fields.Select(f => "- " + ContractValidators.Describe(f) + "\n"))
            .AppendLine("Answer with a single YAML mapping of exactly these keys, nothing else: no prose, no other keys.")
            .Append("Never change or repeat the note body.");

        var user = new StringBuilder()
            .Append("Note: ").AppendLine(input.Path)
            .Append("Current time (use it for timestamps): ").AppendLine(input.NowIso);
        if (input.ExistingYaml.Length > 0)
            user.AppendLine("Existing frontmatter:").AppendLine("```yaml").Append(Truncate(input.ExistingYaml, 2_000)).AppendLine("```");
        else
            user.AppendLine("The note has no frontmatter yet.");
        if (!input.CurrentViolations.IsEmpty)
            user.AppendLine("Fields to fill or fix:").AppendJoin("", input.CurrentViolations.Select(v => "- " + v.Message + "\n"));
        var (excerpt, cut) = Excerpt(input.Body, bodyBudgetTokens * CharsPerToken);
        user.AppendLine(BodyStart).Append(excerpt);
        if (excerpt.Length > 0 && !excerpt.EndsWith('\n'))
            user.AppendLine();
        user.AppendLine(BodyEnd);
        if (cut)
            user.AppendLine("(the body was cut to fit; describe the note from this excerpt)");

        var messages = ImmutableArray.CreateBuilder<ChatMessage>();
        messages.Add(new ChatMessage("system", system.ToString()));
        messages.Add(new ChatMessage("user", user.ToString()));
        if (input.Attempt > 1 && input.PreviousAnswer is not null)
        {
            messages.Add(new ChatMessage("assistant", Truncate(input.PreviousAnswer, 2_000)));
            var previous = input.PreviousViolations.IsDefault ? [] : input.PreviousViolations;
            messages.Add(new ChatMessage("user", new StringBuilder()
                .Append("Attempt ").Append(input.Attempt).Append(" of ").Append(input.MaxAttempts).AppendLine(". Your previous answer was REJECTED because:")
                .AppendJoin("", previous.Select(v => "- " + v + "\n"))
                .AppendLine("Fix every one of these. Reply with ONLY a ```yaml fenced block holding exactly the keys "
                    + string.Join(", ", fields.Select(f => f.Field)) + ". No explanation, no other text.")
                .ToString()));
        }
        return messages.ToImmutable();
    }

    /// <summary>The head of the body within a character budget, cut at a line end when one is near.</summary>
    public static (string Excerpt, bool Cut) Excerpt(string body, int maxChars)
    {
        if (body.Length <= maxChars)
            return (body, false);
        var cut = body.LastIndexOf('\n', Math.Max(maxChars - 1, 0));
        var end = cut > maxChars / 2 ? cut + 1 : maxChars;
        if (end > 0 && char.IsHighSurrogate(body[end - 1]))
            end--;
        return (body[..end], true);
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "\n…";
}
