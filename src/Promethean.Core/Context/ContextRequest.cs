using Promethean.Core.Components;

namespace Promethean.Core.Context;

/// <summary>
/// Everything <see cref="ContextAssembler"/> needs (seed 7.2 build-context): the window and answer size, the
/// system prompt, pinned memories in pin order, the recent ring oldest first, related memories best first.
/// </summary>
public sealed record ContextRequest(
    int WindowTokens,
    int MaxOutputTokens,
    string SystemPrompt,
    IReadOnlyList<ContextItem> Persistent,
    IReadOnlyList<RecentEntry> Recent,
    IReadOnlyList<ContextItem> Related)
{
    public ContextShares Shares { get; init; } = ContextShares.Default;

    /// <summary>Tokens the tool definitions offered with the prompt take.</summary>
    public int ToolTokens { get; init; }
}
