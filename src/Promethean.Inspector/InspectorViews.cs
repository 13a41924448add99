using System.Globalization;
using System.Text.Json.Nodes;
using Promethean.Core;
using Promethean.Core.Components;
using Promethean.Core.Systems;
using Promethean.Runtime.Taps;
using Promethean.Stores.Sqlite;

namespace Promethean.Inspector;

/// <summary>Shapes what the feed holds into the JSON the page reads. Pure reads of immutable values.</summary>
public static class InspectorViews
{
    public const string TokensMetaPrefix = "tokens.";

    /// <summary>The small per-tick message pushed over server-sent events.</summary>
    public static JsonObject Pulse(InspectorFeed feed)
    {
        var last = feed.LastTick;
        return new JsonObject
        {
            ["tick"] = feed.World.Tick,
            ["timeMs"] = feed.World.TimeMs,
            ["worldHash"] = last?.WorldHash,
            ["tickRate"] = Math.Round(feed.Rate.PerSecond, 2),
            ["inboundDepth"] = feed.InboundDepth,
            ["effectsInFlight"] = feed.EffectsInFlight,
            ["systemMicroseconds"] = last is null ? new JsonObject() : Map(last.SystemMicroseconds),
        };
    }

    /// <summary>Everything the panels show, from the last committed world and the read-only store.</summary>
    public static JsonObject State(InspectorFeed feed, SqliteStore? reader)
    {
        var world = feed.World;
        var state = Pulse(feed);
        state["journal"] = Journal(feed, reader);
        state["sessions"] = Sessions(world);
        state["sentinels"] = Sentinels(world);
        state["counters"] = world.Counters.IsEmpty ? new JsonObject() : Map(world.Counters.First().Value.Values);
        state["lastEvents"] = new JsonArray([.. (world.LastEvents.IsEmpty ? [] : world.LastEvents.First().Value.Entries.Reverse()).Select(e => (JsonNode?)e)]);
        state["systemTimes"] = new JsonObject
        {
            ["history"] = new JsonArray([.. feed.Times.Select(t => (JsonNode?)new JsonObject { ["tick"] = t.Tick, ["us"] = Map(t.Microseconds) })]),
            ["journaled"] = world.SystemTimes.IsEmpty ? null : Map(world.SystemTimes.First().Value.Microseconds),
        };
        state["olympia"] = Olympia(world);
        state["context"] = Context(feed.Context);
        state["taps"] = new JsonObject
        {
            ["points"] = new JsonArray([.. TapPoints.All.Select(p => (JsonNode?)p)]),
            ["recent"] = new JsonArray([.. feed.Taps.Reverse().Select(t => (JsonNode?)new JsonObject
            {
                ["name"] = t.Name,
                ["afterSystem"] = t.AfterSystem,
                ["tick"] = t.Tick,
                ["eventCount"] = t.EventCount,
                ["effectCount"] = t.EffectCount,
                ["events"] = new JsonArray([.. t.Events.Select(e => (JsonNode?)e)]),
                ["effects"] = new JsonArray([.. t.Effects.Select(e => (JsonNode?)e)]),
            })]),
        };
        return state;
    }

    private static JsonObject Journal(InspectorFeed feed, SqliteStore? reader)
    {
        var journal = new JsonObject { ["tick"] = feed.World.Tick, ["worldHash"] = feed.LastTick?.WorldHash };
        if (reader is null)
            return journal;
        var committed = reader.LastTick;
        journal["committedTick"] = committed;
        journal["worldHash"] = reader.ReadJournalEntry(committed)?.WorldHash ?? feed.LastTick?.WorldHash;
        journal["pendingOutbox"] = reader.PendingOutboxCount;
        journal["memories"] = reader.MemoryCount;
        return journal;
    }

    private static JsonArray Sessions(World world) =>
        new([.. world.Sessions.Select(kv =>
        {
            var (id, s) = (kv.Key, kv.Value);
            var session = new JsonObject
            {
                ["id"] = id.ToString(),
                ["name"] = s.Name,
                ["cephalon"] = world.Cephalons.TryGetValue(s.Cephalon, out var c) ? c.Name : s.Cephalon.ToString(),
                ["circuit"] = s.Circuit,
                ["status"] = s.Status.ToString().ToLowerInvariant(),
                ["queue"] = s.Queue.Length,
                ["queueCapacity"] = s.QueueCapacity,
                ["queueDropped"] = s.QueueDropped,
            };
            if (world.Ledgers.TryGetValue(id, out var ledger))
            {
                var pruned = Budget.Prune(ledger, world.TimeMs);
                session["budgets"] = new JsonObject
                {
                    ["tokensLeft"] = Budget.TokensLeft(ledger, s.Budgets, world.TimeMs),
                    ["tokensPerMinute"] = s.Budgets.TokensPerMinute,
                    ["tokensLastMinute"] = Budget.TokensLastMinute(pruned, world.TimeMs),
                    ["tokensToday"] = pruned.DayTokens,
                    ["tokensPerDay"] = s.Budgets.TokensPerDay,
                    ["callsLeftThisMinute"] = Math.Max(0, s.Budgets.LlmCallsPerMinute - pruned.CallTimesMs.Length),
                    ["callsPerMinute"] = s.Budgets.LlmCallsPerMinute,
                    ["inFlight"] = pruned.InFlightEffect,
                    ["turns"] = pruned.Turns,
                };
            }
            return (JsonNode?)session;
        })]);

    private static JsonArray Sentinels(World world) =>
        new([.. world.Sentinels.Select(kv => (JsonNode?)new JsonObject
        {
            ["id"] = kv.Key.ToString(),
            ["name"] = kv.Value.Name,
            ["state"] = kv.Value.State.ToString().ToLowerInvariant(),
            ["contract"] = kv.Value.Contract.Id,
            ["path"] = kv.Value.Input.Path,
            ["attempt"] = kv.Value.Retries.Attempt,
            ["maxAttempts"] = kv.Value.Retries.Max,
            ["lastResult"] = kv.Value.LastResult,
        })]);

    private static JsonObject Olympia(World world)
    {
        var m = world.Olympia.IsEmpty ? OlympiaMetrics.Empty : world.Olympia.First().Value;
        return new JsonObject
        {
            ["sentinelFirstTryPassRate"] = Math.Round(m.SentinelFirstTryPassRate, 4),
            ["sentinelsDone"] = m.SentinelsDone,
            ["sentinelsFailed"] = m.SentinelsFailed,
            ["dedupeRatio"] = Math.Round(m.DedupeRatio, 4),
            ["ingestAccepted"] = m.IngestAccepted,
            ["ingestRejected"] = m.IngestRejected,
            ["windows"] = new JsonArray([.. m.Windows.Select(kv => (JsonNode?)new JsonObject
            {
                ["key"] = kv.Key,
                ["calls"] = kv.Value.Calls,
                ["errors"] = kv.Value.Errors,
                ["latencyP50"] = kv.Value.LatencyP50,
                ["latencyP95"] = kv.Value.LatencyP95,
                ["promptTokens"] = kv.Value.PromptTokens,
                ["completionTokens"] = kv.Value.CompletionTokens,
                ["toolCalls"] = kv.Value.ToolCalls,
                ["toolErrors"] = kv.Value.ToolErrors,
                ["silenceRatio"] = Math.Round(kv.Value.SilenceRatio, 4),
                ["costUsd"] = kv.Value.PricedCalls > 0 ? Math.Round(kv.Value.CostUsd, 6) : null,
            })]),
        };
    }

    /// <summary>Section token counts are whatever <c>tokens.*</c> keys cephalon.step put in the effect's meta.</summary>
    private static JsonObject? Context(AssembledContext? context)
    {
        if (context is null)
            return null;
        var chat = context.Chat;
        var sections = new JsonObject();
        long total = 0;
        foreach (var (key, value) in chat.Meta.Where(kv => kv.Key.StartsWith(TokensMetaPrefix, StringComparison.Ordinal)))
        {
            if (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            {
                var section = key[TokensMetaPrefix.Length..];
                sections[section] = n;
                total += section == "total" ? 0 : n;
            }
            else
            {
                sections[key[TokensMetaPrefix.Length..]] = value;
            }
        }
        return new JsonObject
        {
            ["tick"] = context.Tick,
            ["effectId"] = chat.Id,
            ["model"] = chat.Model,
            ["session"] = chat.Meta.GetValueOrDefault("session"),
            ["messages"] = chat.Messages.Length,
            ["tools"] = chat.Tools.Length,
            ["sections"] = sections,
            ["totalTokens"] = total,
        };
    }

    private static JsonObject Map(IEnumerable<KeyValuePair<string, long>> values)
    {
        var o = new JsonObject();
        foreach (var (k, v) in values)
            o[k] = v;
        return o;
    }
}
