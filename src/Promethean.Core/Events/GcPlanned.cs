using System.Collections.Immutable;

namespace Promethean.Core.Events;

/// <summary>A <c>gc/plan</c> job ran: how many candidates it read and the groups it queued for <c>gc/commit</c> (by hash).</summary>
[TypeName("gc/planned")]
public sealed record GcPlanned(int Candidates, int Groups, int Members, ImmutableArray<string> Queued) : Event;
