using System.Collections.Immutable;

namespace Promethean.Core.Components;

/// <summary>
/// A session's scheduling state: its weight, its pass (the virtual time its last turn ended, see
/// <see cref="Systems.SessionSchedulerSystem"/>) and the number of its last grant, the LLM call it has in
/// flight, and the calls and tokens it spent, for budgets checked before a call is emitted.
/// </summary>
public sealed record SessionLedger(
    int Weight,
    long Pass,
    long LastGrant,
    string? InFlightEffect,
    ImmutableArray<long> CallTimesMs,
    ImmutableArray<TokenCharge> Charges,
    long DayStartMs,
    long DayTokens,
    long Turns) : Component
{
    public static SessionLedger Start(int weight) => new(Math.Max(1, weight), 0, 0, null, [], [], 0, 0, 0);
}

/// <summary>Tokens charged for one call: reserved when the call is emitted, settled to the actual usage.</summary>
public sealed record TokenCharge(long AtMs, string EffectId, int Tokens);
