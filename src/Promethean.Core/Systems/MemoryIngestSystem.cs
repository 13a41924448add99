using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;

namespace Promethean.Core.Systems;

/// <summary>
/// seed sys.memory.ingest (section 8): turns inbound Discord messages and files under watched roots
/// into normalized, tagged memories stored through <c>mem/put</c>. Files are read through an
/// <c>fs/read</c> effect first, so the text itself arrives as an event. Duplicates by source id are
/// rejected and counted (content-window and SimHash dedupe, spam families: issue #5).
/// Memories live in the memory store; the ECS mirror (<see cref="World.Memories"/>) is kept for the
/// few memories a system is actively working on, so the world does not grow with history.
/// </summary>
public static class MemoryIngestSystem
{
    public const string Purpose = "memory.ingest";
    public const string MarkdownExtension = ".md";

    public static World Update(World world, IStoreReader stores)
    {
        var effects = new List<Effect>();
        var events = new List<Event>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var next = world;
        var rejected = ImmutableSortedDictionary.CreateBuilder<string, long>(StringComparer.Ordinal);

        foreach (var e in world.EventsIn)
        {
            switch (e)
            {
                case FsFileCreated or FsFileModified:
                    var (path, hash) = e is FsFileCreated c ? (c.Path, c.ContentHash) : (((FsFileModified)e).Path, ((FsFileModified)e).ContentHash);
                    if (stores.FindBySourceKey(FileSourceKey(path, hash)) is null && seen.Add(FileSourceKey(path, hash)))
                        effects.Add(new FsRead(path) { Meta = ImmutableSortedDictionary<string, string>.Empty.Add("purpose", Purpose) });
                    break;
                default:
                    var memory = ToMemory(e, world.TimeMs);
                    if (memory is null)
                        break;
                    if (!seen.Add(memory.SourceKey) || stores.FindBySourceKey(memory.SourceKey) is not null)
                    {
                        rejected["source-id"] = rejected.GetValueOrDefault("source-id") + 1;
                        break;
                    }
                    effects.Add(new MemPut(memory));
                    events.Add(new MemoryCreated(memory.Id, memory.Kind, memory.Tags, memory.NexusKeys));
                    break;
            }
        }

        next = next.Do(effects).Emit(events);
        foreach (var (reason, count) in rejected)
            next = DebugStatsSystem.Count(next, "ingest.rejected." + reason, count);
        return next;
    }

    public static string FileSourceKey(string path, string contentHash) => $"file:{path}#{contentHash}";

    private static Memory? ToMemory(Event e, long timeMs) => e switch
    {
        DiscordMessageNew m when !string.IsNullOrWhiteSpace(m.Content) => Build(
            "discord.message",
            m.Content,
            "discord:" + m.MessageId,
            ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
            [
                new KeyValuePair<string, string>("channel", m.ChannelId),
                new("author", m.AuthorId),
                new("authorName", m.AuthorName),
                new("messageId", m.MessageId),
            ]),
            ["source:discord", m.AuthorIsBot ? "author:bot" : "author:human"],
            ["chan:" + m.ChannelId, "author:" + m.AuthorId],
            m.TimestampMs),
        FsReadResult r when r.Meta.GetValueOrDefault("purpose") == Purpose => Build(
            r.Path.EndsWith(MarkdownExtension, StringComparison.OrdinalIgnoreCase) ? "note" : "file",
            r.Content,
            FileSourceKey(r.Path, r.ContentHash),
            ImmutableSortedDictionary<string, string>.Empty.Add("path", r.Path).Add("contentHash", r.ContentHash),
            ["source:fs"],
            ["path:" + r.Path, "dir:" + DirectoryOf(r.Path)],
            timeMs),
        _ => null,
    };

    private static Memory Build(string kind, string original, string sourceKey, ImmutableSortedDictionary<string, string> source,
        string[] tags, string[] keys, long createdMs)
    {
        var text = TextNormalizer.Normalize(original);
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(kind + "\n" + sourceKey + "\n" + text)))[..32];
        return new Memory(id, kind, text, original, sourceKey, source,
            ImmutableSortedSet.Create(StringComparer.Ordinal, tags),
            ImmutableSortedSet.Create(StringComparer.Ordinal, keys),
            "active", createdMs);
    }

    private static string DirectoryOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "." : path[..slash];
    }
}
