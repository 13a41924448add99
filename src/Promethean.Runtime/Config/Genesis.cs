using System.Collections.Immutable;
using Promethean.Core;
using Promethean.Core.Cephalons;
using Promethean.Core.Components;

namespace Promethean.Runtime.Config;

/// <summary>Builds the first world of a data dir from configuration: sentinel settings, token prices, cephalons and their sessions.</summary>
public static class Genesis
{
    public static World Build(PrometheanConfig config)
    {
        var world = World.Empty;
        foreach (var c in config.Cephalons)
        {
            world = world.Spawn(out var cephalonId);
            var sessionIds = ImmutableSortedSet.CreateBuilder<EntityId>();
            foreach (var s in c.Sessions)
            {
                world = world.Spawn(out var sessionId);
                sessionIds.Add(sessionId);
                var session = new Session(
                    s.Name, cephalonId, s.Circuit,
                    new SessionSubscriptions(
                        ImmutableSortedSet.CreateRange(StringComparer.Ordinal, s.EventTypes),
                        ImmutableSortedSet.CreateRange(StringComparer.Ordinal, s.Channels))
                    {
                        Soft = s.Soft.ToImmutableSortedDictionary(StringComparer.Ordinal),
                        SoftThreshold = s.SoftThreshold,
                    },
                    [], [], [.. s.Pins], s.Focus,
                    new SessionBudgets(s.LlmCallsPerMinute, s.TokensPerMinute, s.TokensPerDay, s.ToolCallsPerTurn), SessionStatus.Idle)
                {
                    QueueCapacity = s.QueueCapacity,
                    RecentCapacity = s.RecentCapacity,
                    Profile = ProfileOf(s, config.Llm),
                };
                world = world with
                {
                    Sessions = world.Sessions.Add(sessionId, session),
                    Ledgers = world.Ledgers.Add(sessionId, SessionLedger.Start(s.Weight)),
                };
            }
            var cephalon = new Cephalon(c.Name, new CephalonPolicy(c.Model, c.ContextWindowTokens, c.MaxOutputTokens, c.MaxLlmCallsInFlight),
                ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal), sessionIds.ToImmutable());
            world = world with { Cephalons = world.Cephalons.Add(cephalonId, cephalon) };
        }
        world = world.Spawn(out var memorySettingsId);
        world = world with { MemorySettings = world.MemorySettings.Add(memorySettingsId, config.Memory.ToSettings()) };
        if (config.Sentinel.Enabled)
        {
            world = world.Spawn(out var sentinelSettingsId);
            world = world with { SentinelSettings = world.SentinelSettings.Add(sentinelSettingsId, config.Sentinel.ToSettings()) };
        }
        var prices = config.Llm.ToOlympiaSettings();
        if (!prices.Prices.IsEmpty)
        {
            world = world.Spawn(out var olympiaSettingsId);
            world = world with { OlympiaSettings = world.OlympiaSettings.Add(olympiaSettingsId, prices) };
        }
        return world;
    }

    private static SessionProfile ProfileOf(SessionConfig s, LlmConfig llm)
    {
        var cadence = s.CadenceSeconds is { } seconds ? (long)Math.Round(seconds * 1000) : Circuits.Get(s.Circuit).CadenceMs;
        var endpoint = s.Endpoint.Length > 0 ? s.Endpoint : llm.SessionEndpoints.GetValueOrDefault(s.Name, "");
        return new SessionProfile(s.Prompt, ImmutableSortedSet.CreateRange(StringComparer.Ordinal, s.Tools), endpoint, s.Model, cadence, s.Speaks)
        {
            Contract = s.Role == SessionConfig.JanitorRole ? CephalonContracts.Janitor : CephalonContracts.Turn,
            ReportChannel = s.ReportChannel,
            ReportDirectory = s.ReportDirectory,
            MaxToolRounds = s.MaxToolRounds,
        };
    }
}
