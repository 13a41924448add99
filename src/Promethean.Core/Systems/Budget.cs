using Promethean.Core.Components;

namespace Promethean.Core.Systems;

/// <summary>
/// Budget arithmetic over a session ledger, all pure: sliding one-minute windows for calls and
/// tokens, a UTC day bucket for daily tokens. Tokens are reserved before a call is emitted (prompt +
/// maximum output) and settled down to the reported usage, so a budget can never be exceeded.
/// </summary>
public static class Budget
{
    public const long MinuteMs = 60_000;
    public const long DayMs = 86_400_000;

    /// <summary>Drops what fell out of the minute window and rolls the day bucket.</summary>
    public static SessionLedger Prune(SessionLedger ledger, long nowMs)
    {
        var day = nowMs / DayMs * DayMs;
        return ledger with
        {
            CallTimesMs = ledger.CallTimesMs.RemoveAll(t => t <= nowMs - MinuteMs),
            Charges = ledger.Charges.RemoveAll(c => c.AtMs <= nowMs - MinuteMs),
            DayStartMs = day,
            DayTokens = day == ledger.DayStartMs ? ledger.DayTokens : 0,
        };
    }

    public static long TokensLastMinute(SessionLedger ledger, long nowMs) =>
        ledger.Charges.Where(c => c.AtMs > nowMs - MinuteMs).Sum(c => (long)c.Tokens);

    /// <summary>Tokens that may still be spent now: the smaller of the minute and day allowances.</summary>
    public static long TokensLeft(SessionLedger ledger, SessionBudgets budgets, long nowMs)
    {
        var pruned = Prune(ledger, nowMs);
        return Math.Max(0, Math.Min(budgets.TokensPerMinute - TokensLastMinute(pruned, nowMs), budgets.TokensPerDay - pruned.DayTokens));
    }

    /// <summary>
    /// Whether a call costing <paramref name="tokens"/> may be emitted now. The scheduler asks this of every ready
    /// session every tick, so it reads the windows in place (what <see cref="Prune"/> would keep) without building
    /// a pruned ledger.
    /// </summary>
    public static bool CanSpend(SessionLedger ledger, SessionBudgets budgets, long nowMs, int tokens)
    {
        if (ledger.InFlightEffect is not null)
            return false;
        var since = nowMs - MinuteMs;
        var calls = 0;
        foreach (var t in ledger.CallTimesMs)
        {
            if (t > since)
                calls++;
        }
        if (calls >= budgets.LlmCallsPerMinute)
            return false;
        long minuteTokens = 0;
        foreach (var c in ledger.Charges)
        {
            if (c.AtMs > since)
                minuteTokens += c.Tokens;
        }
        var dayTokens = nowMs / DayMs * DayMs == ledger.DayStartMs ? ledger.DayTokens : 0;
        return tokens <= Math.Max(0, Math.Min(budgets.TokensPerMinute - minuteTokens, budgets.TokensPerDay - dayTokens));
    }

    /// <summary>
    /// The earliest time at or after <paramref name="nowMs"/> at which <see cref="CanSpend"/> on this ledger may answer
    /// otherwise: when a call or charge now in the minute window leaves it, or the day bucket rolls. Until then its
    /// answer stands, so the scheduler need not ask again.
    /// </summary>
    public static long AnswerStandsUntil(SessionLedger ledger, long nowMs)
    {
        var since = nowMs - MinuteMs;
        var until = (nowMs / DayMs + 1) * DayMs;
        foreach (var t in ledger.CallTimesMs)
        {
            if (t > since)
                until = Math.Min(until, t + MinuteMs);
        }
        foreach (var c in ledger.Charges)
        {
            if (c.AtMs > since)
                until = Math.Min(until, c.AtMs + MinuteMs);
        }
        return until;
    }

    /// <summary>Records an emitted call and reserves its tokens.</summary>
    public static SessionLedger Reserve(SessionLedger ledger, long nowMs, string effectId, int tokens)
    {
        var pruned = Prune(ledger, nowMs);
        return pruned with
        {
            InFlightEffect = effectId,
            CallTimesMs = pruned.CallTimesMs.Add(nowMs),
            Charges = pruned.Charges.Add(new TokenCharge(nowMs, effectId, tokens)),
            DayTokens = pruned.DayTokens + tokens,
            Turns = pruned.Turns + 1,
        };
    }

    /// <summary>
    /// Closes the call in flight: the reservation becomes the reported usage when that is lower (a
    /// higher report is kept, so the ledger never under-counts), and the session may call again.
    /// </summary>
    public static SessionLedger Settle(SessionLedger ledger, string effectId, int? actualTokens)
    {
        if (ledger.InFlightEffect != effectId)
            return ledger;
        // The scheduler settles every answered call each tick: find the charge by index, without allocating or
        // comparing whole records.
        var at = -1;
        for (var i = 0; i < ledger.Charges.Length; i++)
        {
            if (ledger.Charges[i].EffectId == effectId)
            {
                at = i;
                break;
            }
        }
        if (at < 0 || actualTokens is null)
            return ledger with { InFlightEffect = null };
        var charge = ledger.Charges[at];
        var settled = Math.Max(0, actualTokens.Value);
        var dayDelta = settled - charge.Tokens;
        return ledger with
        {
            InFlightEffect = null,
            Charges = ledger.Charges.SetItem(at, charge with { Tokens = settled }),
            DayTokens = Math.Max(0, ledger.DayTokens + dayDelta),
        };
    }
}
