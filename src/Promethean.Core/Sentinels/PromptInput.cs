using System.Collections.Immutable;
using Promethean.Core.Components;

namespace Promethean.Core.Sentinels;

/// <summary>What a prompt is built from: the note, what is wrong with it now, and on a retry the rejected answer.</summary>
public sealed record PromptInput(
    Contract Contract,
    string Path,
    string ExistingYaml,
    string Body,
    ImmutableArray<Violation> CurrentViolations,
    string NowIso,
    int Attempt,
    string? PreviousAnswer = null,
    ImmutableArray<string> PreviousViolations = default,
    int MaxAttempts = 5);
