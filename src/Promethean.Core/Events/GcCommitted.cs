namespace Promethean.Core.Events;

/// <summary>
/// A <c>gc/commit</c> job ended. <see cref="Outcome"/>: <c>written</c> (summary stored, sources tombstoned),
/// <c>already-committed</c> (the group's summary existed: nothing written), <c>stale</c> (a source changed
/// since the plan: nothing written) or <c>failed</c> (the model failed every attempt: sources untouched).
/// </summary>
[TypeName("gc/committed")]
public sealed record GcCommitted(string GroupHash, string SummaryId, int Sources, string Outcome, string? Reason = null) : Event
{
    public const string Written = "written";
    public const string AlreadyCommitted = "already-committed";
    public const string Stale = "stale";
    public const string Failed = "failed";
}
