using System.Collections.Immutable;

namespace Promethean.Core.Components;

/// <summary>
/// What a session's circuit makes of it (DESIGN 5): its system prompt, the tools it may call, the endpoint
/// and model it talks to, the least time between two turns, and whether and where it speaks in Discord.
/// </summary>
public sealed record SessionProfile(
    string SystemPrompt,
    ImmutableSortedSet<string> Tools,
    string Endpoint,
    string Model,
    long CadenceMs,
    bool Speaks)
{
    public static readonly SessionProfile Default = new("", ImmutableSortedSet<string>.Empty.WithComparer(StringComparer.Ordinal), "", "", 0, false);

    /// <summary>The builtin provider's responder for this session's turns (the effect's <c>Meta["contract"]</c>).</summary>
    public string Contract { get; init; } = CephalonContracts.Turn;

    /// <summary>Channel for unprompted output (reports); replies go to the channel of the message answered.</summary>
    public string ReportChannel { get; init; } = "";

    /// <summary>Folder (inside a file root) where the session writes its reports; empty for none.</summary>
    public string ReportDirectory { get; init; } = "";

    /// <summary>LLM rounds per turn; the last round is offered no tools, so the model must answer in text.</summary>
    public int MaxToolRounds { get; init; } = 3;

    /// <summary>How many memories retrieval puts in the related candidates.</summary>
    public int RelatedK { get; init; } = 12;
}

/// <summary>Contract ids of cephalon turns, used by the builtin provider to pick its responder.</summary>
public static class CephalonContracts
{
    public const string Turn = "cephalon/turn";
    public const string Janitor = "cephalon/janitor";
}
