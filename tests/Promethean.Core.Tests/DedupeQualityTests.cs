using Promethean.Core.Systems;
using Promethean.Stores.Sqlite;
using Xunit.Abstractions;

namespace Promethean.Core.Tests;

/// <summary>Dedupe quality over the synthetic Discord day (see <see cref="SyntheticDiscordDay"/> for how it is made).</summary>
public sealed class DedupeQualityTests(ITestOutputHelper output)
{
    [Fact]
    public void Ingest_SyntheticDay_MeetsPrecisionRecallAndKeepsEveryGenuineMessage()
    {
        var day = SyntheticDiscordDay.Generate();
        using var store = SqliteStore.InMemory();
        var world = World.Empty;
        var started = DateTime.UtcNow;
        foreach (var (time, events) in SyntheticDiscordDay.Ticks(day))
        {
            world = MemoryIngestSystem.Update(Schedule.BeginTick(world, time, events), store);
            store.ApplyStoreEffects(world.Effects);
        }

        var elapsed = DateTime.UtcNow - started;
        long tp = 0, fp = 0, fn = 0, tn = 0;
        var lost = new List<string>();
        var missed = new SortedDictionary<MessageLabel, int>();
        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (message, label) in day)
        {
            var firstDelivery = seenIds.Add(message.MessageId);
            var stored = firstDelivery && store.FindBySourceKey("discord:" + message.MessageId) is not null;
            var shouldDrop = label is MessageLabel.ExactDuplicate or MessageLabel.NearDuplicate or MessageLabel.Redelivery or MessageLabel.SpamFolded;
            var dropped = !stored;
            if (shouldDrop && dropped)
                tp++;
            else if (!shouldDrop && dropped)
                fp++;
            else if (shouldDrop && !dropped)
            {
                fn++;
                missed[label] = missed.GetValueOrDefault(label) + 1;
            }
            else
                tn++;
            if (label == MessageLabel.Genuine && !stored)
                lost.Add(message.MessageId + ": " + message.Content);
        }
        var precision = (double)tp / (tp + fp);
        var recall = (double)tp / (tp + fn);
        var counters = DebugStatsSystem.CountersOf(world);
        output.WriteLine($"messages {day.Count}: tp {tp} fp {fp} fn {fn} tn {tn}; precision {precision:0.0000} recall {recall:0.0000}");
        output.WriteLine("missed by label: " + string.Join(", ", missed.Select(p => $"{p.Key} {p.Value}")));
        output.WriteLine($"ingest took {elapsed.TotalMilliseconds:0} ms");
        foreach (var (name, value) in counters.Values)
            output.WriteLine($"  {name} = {value}");

        lost.ShouldBeEmpty();
        precision.ShouldBeGreaterThanOrEqualTo(0.99);
        recall.ShouldBeGreaterThanOrEqualTo(0.95);
        counters["ingest.spam.aggregates"].ShouldBeGreaterThan(0);
    }
}
