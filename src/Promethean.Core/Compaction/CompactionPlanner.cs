using System.Collections.Immutable;
using System.Globalization;
using Promethean.Core.Components;
using Promethean.Core.Systems;

namespace Promethean.Core.Compaction;

/// <summary>
/// The pure <c>gc/plan</c> step (DESIGN 7): reads active memories of the compacted kinds whose time bucket
/// ended at least <c>MinAgeMs</c> ago, groups them by channel and bucket, then by key cluster (memories
/// joined by a shared topical key: tag, err, tool, url, lang, path, dir), and names each group by a hash of
/// its member set. Same stores and settings, same plan; nothing is written. The janitor's report and
/// <c>promethean gc plan</c> call it for a dry run; compaction.step calls it to queue <c>gc/commit</c> jobs.
/// </summary>
public static class CompactionPlanner
{
    public const string SummaryKind = "summary";

    /// <summary>The cluster of memories that share no topical key with enough others.</summary>
    public const string LeftoverCluster = "-";

    /// <summary>
    /// Key types that join memories into a cluster. Channel, author and session keys are left out: every
    /// message of a channel shares the first, and conversations cross authors.
    /// </summary>
    public static readonly ImmutableSortedSet<string> ClusterKeyTypes =
        ImmutableSortedSet.Create(StringComparer.Ordinal, "dir", "err", "lang", "path", "tag", "tool", "url");

    /// <summary>The plan compaction.step would make now: the world's settings, time and reserved ids.</summary>
    public static CompactionPlan Plan(World world, IStoreReader stores) =>
        Plan(stores, world.MemoryConfig.Compaction, world.TimeMs, Reserved(world));

    /// <summary>
    /// Groups the compaction candidates. <paramref name="reserved"/> ids are never planned (pinned memories of
    /// sessions, members of groups already queued).
    /// </summary>
    public static CompactionPlan Plan(IStoreReader stores, CompactionSettings settings, long nowMs, IReadOnlySet<string>? reserved = null)
    {
        var cutoff = Cutoff(settings, nowMs);
        var candidates = new List<Memory>();
        var truncated = false;
        foreach (var kind in settings.Kinds)
        {
            if (!IsCompactableKind(kind))
                continue;
            var batch = stores.ActiveMemoriesBefore(kind, cutoff, settings.MaxCandidates);
            if (batch.Count >= settings.MaxCandidates && batch.Count > 0)
            {
                // The last bucket read may be cut short; leave it whole to a later plan so every group names all its members.
                truncated = true;
                var last = Bucket(batch[^1].CreatedMs, settings.BucketMs);
                var whole = batch.Where(m => Bucket(m.CreatedMs, settings.BucketMs) < last).ToList();
                if (whole.Count > 0)
                    batch = whole;
            }
            candidates.AddRange(batch.Where(m => m.Lifecycle == Memory.Active && m.Kind == kind && m.CreatedMs < cutoff && reserved?.Contains(m.Id) != true));
        }

        var groups = new List<CompactionGroup>();
        var cells = candidates
            .GroupBy(m => (Channel: ChannelOf(m), Bucket: Bucket(m.CreatedMs, settings.BucketMs)))
            .OrderBy(g => g.Key.Bucket).ThenBy(g => g.Key.Channel, StringComparer.Ordinal);
        foreach (var cell in cells)
        {
            var members = cell.OrderBy(m => m.CreatedMs).ThenBy(m => m.Id, StringComparer.Ordinal).ToList();
            groups.AddRange(GroupCell(cell.Key.Channel, cell.Key.Bucket * settings.BucketMs, settings, members));
        }
        var ordered = groups
            .OrderBy(g => g.BucketStartMs).ThenBy(g => g.Channel, StringComparer.Ordinal)
            .ThenBy(g => g.FirstMs).ThenBy(g => g.Hash, StringComparer.Ordinal)
            .ToList();
        return new CompactionPlan([.. ordered.Take(settings.MaxGroupsPerPlan)], candidates.Count, truncated || ordered.Count > settings.MaxGroupsPerPlan);
    }

    /// <summary>
    /// Ids a plan must leave alone: memories pinned by a session, members of queued or running <c>gc/commit</c>
    /// jobs, and memories still waiting for their embedding (a vector stored after the tombstone would outlive it).
    /// </summary>
    public static ImmutableSortedSet<string> Reserved(World world)
    {
        var ids = ImmutableSortedSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var session in world.Sessions.Values)
            ids.UnionWith(session.Persistent);
        foreach (var job in world.Jobs.Values)
        {
            if (job.Type == Job.GcCommit && TryReadGroup(job.Payload) is { } group)
                ids.UnionWith(group.Members);
            else if (EidolonIndexSystem.IsEmbedJob(job))
                ids.UnionWith(job.Payload.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
        return ids.ToImmutable();
    }

    /// <summary>Memories created before this time (the start of the newest bucket old enough) are candidates.</summary>
    public static long Cutoff(CompactionSettings settings, long nowMs) => Bucket(nowMs - settings.MinAgeMs, settings.BucketMs) * settings.BucketMs;

    public static bool IsCompactableKind(string kind) => kind is not (SummaryKind or MemoryIngestSystem.SpamAggregateKind);

    /// <summary>The channel a memory belongs to for grouping: its Discord channel, else its session, else <c>-</c>.</summary>
    public static string ChannelOf(Memory m) =>
        m.Source.GetValueOrDefault("channel") ?? m.Source.GetValueOrDefault("session") ?? LeftoverCluster;

    /// <summary>SHA-256 over the channel, bucket start and the sorted member ids (32 hex chars).</summary>
    public static string GroupHash(string channel, long bucketStartMs, IEnumerable<string> members) =>
        Hex("gc/v1\n" + channel + "\n" + bucketStartMs.ToString(CultureInfo.InvariantCulture) + "\n"
            + string.Join('\n', members.Order(StringComparer.Ordinal)));

    public static string SummaryId(string groupHash) => Hex(SummaryKind + "\n" + groupHash);

    /// <summary>A <c>gc/commit</c> job's payload is its group as canonical JSON.</summary>
    public static string WriteGroup(CompactionGroup group) => Serialization.CanonicalJson.SerializeToString(group);

    public static CompactionGroup? TryReadGroup(string payload)
    {
        try
        {
            return Serialization.CanonicalJson.Deserialize<CompactionGroup>(payload);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static IEnumerable<CompactionGroup> GroupCell(string channel, long bucketStart, CompactionSettings settings, List<Memory> members)
    {
        // Union-find over shared cluster keys; the smaller index becomes the root, so the result depends only on the order of members.
        var parent = Enumerable.Range(0, members.Count).ToArray();
        var firstWithKey = new Dictionary<string, int>(StringComparer.Ordinal);
        var keyed = new bool[members.Count];
        for (var i = 0; i < members.Count; i++)
        {
            foreach (var key in members[i].NexusKeys.Where(IsClusterKey))
            {
                keyed[i] = true;
                if (firstWithKey.TryGetValue(key, out var j))
                    Union(i, j);
                else
                    firstWithKey[key] = i;
            }
        }

        var clusters = new List<(string Label, List<Memory> Members)>();
        var leftovers = new List<Memory>();
        var byRoot = new SortedDictionary<int, List<int>>();
        for (var i = 0; i < members.Count; i++)
        {
            if (!keyed[i])
                continue;
            var root = Find(i);
            if (!byRoot.TryGetValue(root, out var list))
                byRoot[root] = list = [];
            list.Add(i);
        }
        var leftoverIndexes = new SortedSet<int>(Enumerable.Range(0, members.Count).Where(i => !keyed[i]));
        foreach (var (_, indexes) in byRoot)
        {
            if (indexes.Count >= settings.MinGroupSize)
                clusters.Add((Label(indexes.Select(i => members[i])), [.. indexes.Select(i => members[i])]));
            else
                leftoverIndexes.UnionWith(indexes);
        }
        leftovers.AddRange(leftoverIndexes.Select(i => members[i]));
        if (leftovers.Count > 0)
            clusters.Add((LeftoverCluster, leftovers));

        foreach (var (label, cluster) in clusters)
        {
            if (cluster.Count < settings.MinGroupSize)
                continue;
            var parts = (cluster.Count + settings.MaxGroupSize - 1) / settings.MaxGroupSize;
            var start = 0;
            for (var p = 0; p < parts; p++)
            {
                var size = cluster.Count / parts + (p < cluster.Count % parts ? 1 : 0);
                var part = cluster.GetRange(start, size);
                start += size;
                var ids = part.Select(m => m.Id).ToImmutableArray();
                yield return new CompactionGroup(
                    GroupHash(channel, bucketStart, ids), channel, bucketStart, bucketStart + settings.BucketMs,
                    parts == 1 ? label : string.Create(CultureInfo.InvariantCulture, $"{label} {p + 1}/{parts}"),
                    ids, part[0].CreatedMs, part[^1].CreatedMs, part.Sum(m => m.Text.Length / 4 + 1));
            }
        }

        int Find(int i)
        {
            while (parent[i] != i)
                i = parent[i] = parent[parent[i]];
            return i;
        }

        void Union(int a, int b)
        {
            var (ra, rb) = (Find(a), Find(b));
            if (ra != rb)
                parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
        }
    }

    /// <summary>The cluster's most frequent topical key, ties broken ordinally.</summary>
    private static string Label(IEnumerable<Memory> members) =>
        members.SelectMany(m => m.NexusKeys.Where(IsClusterKey))
            .GroupBy(k => k, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .First().Key;

    private static bool IsClusterKey(string key)
    {
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && ClusterKeyTypes.Contains(key[..colon]);
    }

    private static long Bucket(long ms, long bucketMs) => Math.DivRem(ms, bucketMs, out var rem) - (rem < 0 ? 1 : 0);

    private static string Hex(string s) => Ingest.Sha256Hex.Of(s, 32);
}
