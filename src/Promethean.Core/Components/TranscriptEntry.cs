namespace Promethean.Core.Components;

/// <summary>Something a session said or did (a reply, a tool call, a tool result), waiting to be stored as a memory.</summary>
public sealed record TranscriptEntry(string Kind, string Text, string Channel, string EffectId, long AtMs)
{
    public const string Reply = "cephalon.reply";
    public const string ToolCall = "cephalon.tool-call";
    public const string ToolResult = "cephalon.tool-result";
    public const string Report = "cephalon.report";
}
