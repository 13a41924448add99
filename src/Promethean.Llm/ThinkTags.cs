namespace Promethean.Llm;

/// <summary>
/// Strips reasoning from a reply: everything through the LAST <c>&lt;/think&gt;</c> is thought (reasoning models
/// sometimes omit the opening tag, and the thought may itself mention the tag), and an opening tag that is never
/// closed starts a thought that ran to the end of the reply.
/// </summary>
public static class ThinkTags
{
    private const string Open = "<think>";
    private const string Close = "</think>";

    public static (string Text, string? Thought) Strip(string content)
    {
        var close = content.LastIndexOf(Close, StringComparison.OrdinalIgnoreCase);
        if (close >= 0)
        {
            var thought = content[..close];
            var open = thought.IndexOf(Open, StringComparison.OrdinalIgnoreCase);
            if (open >= 0)
                thought = thought[(open + Open.Length)..];
            return (content[(close + Close.Length)..].Trim(), thought.Trim());
        }
        var unclosed = content.IndexOf(Open, StringComparison.OrdinalIgnoreCase);
        if (unclosed >= 0)
            return (content[..unclosed].Trim(), content[(unclosed + Open.Length)..].Trim());
        return (content.Trim(), null);
    }
}
