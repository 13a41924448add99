using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Promethean.Core.Cephalons;
using Promethean.Core.Components;
using Promethean.Core.Context;
using Promethean.Core.Effects;

namespace Promethean.Llm.Builtin;

/// <summary>
/// The offline answer to a cephalon turn. It speaks only when addressed (the cephalon's name in a message
/// since its last answer, or a line starting with <c>!</c>); otherwise it stays silent. A question about the past ("what did
/// ...", "remember", "search") first calls <c>memory_search</c> when the tool is offered; the answer quotes
/// the best memories found, from the tool result or from the related section of its context.
/// </summary>
public sealed partial class CephalonTurnResponder : IBuiltinResponder
{
    public const int Quoted = 3;

    public string Contract => CephalonContracts.Turn;

    public BuiltinReply Respond(LlmChat chat)
    {
        var name = chat.Meta.GetValueOrDefault("cephalon.name", "");
        // The lines since its last answer are new to it; it answers the newest one addressed to it.
        var lastAnswer = chat.Messages.ToList().FindLastIndex(m => m.Role == "assistant" && (m.ToolCalls is null || m.ToolCalls.Value.IsEmpty));
        var lastUser = chat.Messages.Skip(lastAnswer + 1).LastOrDefault(m => m.Role == "user" && Addressed(m.Content, name));
        if (lastUser is null)
            return new BuiltinReply(SilenceToken);
        var question = Question(lastUser.Content, name);

        var toolResults = chat.Messages.SkipWhile(m => m != lastUser).Where(m => m.Role == "tool").ToList();
        if (toolResults.Count == 0 && AsksMemory(question) && chat.Tools.Any(t => t.Name == CephalonTools.MemorySearch))
        {
            var args = JsonSerializer.Serialize(new Dictionary<string, object> { ["query"] = question, ["k"] = Quoted });
            return BuiltinReply.Calls(new BuiltinToolCall(null, CephalonTools.MemorySearch, args));
        }

        var text = new StringBuilder();
        var found = (toolResults.Count > 0
                ? toolResults.SelectMany(t => t.Content.Split('\n')).Where(l => l.Length > 0 && !l.StartsWith("error:", StringComparison.Ordinal)).Select(StripScore)
                : Related(chat))
            .Where(l => !OwnWords().IsMatch(l) && !l.EndsWith(Message(lastUser.Content), StringComparison.Ordinal))
            .ToList();
        if (found.Count == 0 || (found.Count == 1 && found[0] == "no memories match"))
        {
            text.Append("I have nothing on \"").Append(Short(question, 120)).Append("\" yet.");
            return new BuiltinReply(text.ToString());
        }
        text.Append("Here is what I remember about \"").Append(Short(question, 120)).Append("\":");
        foreach (var line in found.Take(Quoted))
            text.Append("\n- ").Append(Short(line, 300));
        return new BuiltinReply(text.ToString());
    }

    private const string SilenceToken = Promethean.Core.Systems.CephalonSystem.SilenceToken;

    private static bool Addressed(string content, string name)
    {
        var message = Message(content);
        if (message.StartsWith('!'))
            return true;
        return name.Length > 0 && Regex.IsMatch(message, $@"(?<![\p{{L}}\p{{N}}]){Regex.Escape(name)}(?![\p{{L}}\p{{N}}])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }

    /// <summary>The message without its "author: " prefix, the name and a leading "!".</summary>
    private static string Question(string content, string name)
    {
        var q = Message(content).TrimStart('!');
        if (name.Length > 0)
            q = Regex.Replace(q, $@"(?<![\p{{L}}\p{{N}}])@?{Regex.Escape(name)}[,:]?", "", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        return Spaces().Replace(q, " ").Trim();
    }

    private static string Message(string content)
    {
        var colon = content.IndexOf(": ", StringComparison.Ordinal);
        return (colon > 0 && colon < 64 ? content[(colon + 2)..] : content).Trim();
    }

    private static bool AsksMemory(string question) =>
        MemoryWords().IsMatch(question);

    private static List<string> Related(LlmChat chat) =>
        [.. chat.Messages.Where(m => m.Role == "system" && m.Content.StartsWith(ContextAssembler.RelatedHeader, StringComparison.Ordinal))
            .SelectMany(m => m.Content.Split('\n').Skip(1))
            .Select(l => l.StartsWith("- ", StringComparison.Ordinal) ? l[2..] : l)];

    /// <summary>A search result line without its "id (score x): " prefix.</summary>
    private static string StripScore(string line)
    {
        var i = line.IndexOf("): ", StringComparison.Ordinal);
        return i > 0 && line.AsSpan(0, i).Contains("(score ", StringComparison.Ordinal) ? line[(i + 3)..] : line;
    }

    private static string Short(string s, int max) => s.Length <= max ? s : s[..max] + "…";

    [GeneratedRegex(@"\b(what|who|when|where|which|remember|recall|search|find|did|said|told|know)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MemoryWords();

    /// <summary>Its own earlier words (replies, reports) are not evidence: it quotes what people said.</summary>
    [GeneratedRegex(@"\[(reply|report|tool-call|tool-result)\]")]
    private static partial Regex OwnWords();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
