using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Promethean.Core;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Ingest;
using Promethean.Core.Retrieval;
using Promethean.Core.Systems;
using Promethean.Discord;
using Promethean.Llm;
using Promethean.Runtime;
using Promethean.Runtime.Config;
using Promethean.Runtime.Handlers;
using Promethean.Stores.Sqlite;
using Promethean.TestSupport.Discord;

namespace Promethean.Bench;

/// <summary>
/// Issue 7's latency numbers over a store of 100k memories (<see cref="SyntheticMemories"/>: 384-d clustered vectors,
/// nexus keys, FTS), with the default configuration's cephalon Duck and its speaking session:
/// <list type="bullet">
/// <item><c>context_assembly_p95_ms_100k</c>: cephalon.step in the tick where the query's <c>llm/embed.result</c>
/// arrives, i.e. retrieval (exact vector search, FTS keywords, daimoi walk, memory reads) plus context assembly with
/// the tokenizer, up to the emitted <c>llm/chat</c>; a full recent ring (32 lines) and 4 pins.</item>
/// <item><c>message_to_send_p95_ms</c>: the real engine on the on-disk store, the real dispatcher with the builtin
/// model and local MiniLM embeddings, and a loopback Discord: from the gateway MESSAGE_CREATE of a question for Duck
/// to the commit of the tick that emits its <c>discord/send</c>, less model time (chat latency as the response reports
/// it and the wall time of the turn's <c>llm/embed</c> calls).</item>
/// </list>
/// </summary>
public sealed class CephalonScenario : IScenario
{
    private const int Points = 100_000;
    private const int Centres = 2_000;
    private const int Queries = 200;
    private const int Questions = 100;
    // Tiered JIT promotes a method after 30 calls; fewer warm-up rounds would measure unoptimized code in the first queries.
    private const int Warmup = 50;
    private const string TalkSession = "c3-symbolic";

    /// <summary>Content words of a question, like "Duck, what did we say about the vault sync lock?".</summary>
    private const int TopicWords = 4;
    private const string Channel = "800000000000000001";
    private static readonly string[] Pins = [SyntheticMemories.Id(10), SyntheticMemories.Id(25_011), SyntheticMemories.Id(50_012), SyntheticMemories.Id(75_013)];

    public string Name => "cephalon";

    public IReadOnlyList<Metric> Run() => RunAsync().GetAwaiter().GetResult();

    private static async Task<IReadOnlyList<Metric>> RunAsync()
    {
        var loadBefore = Load();
        var dir = Directory.CreateTempSubdirectory("promethean-bench-cephalon");
        try
        {
            Console.WriteLine("   embedding centres with MiniLM, writing 100k memories ...");
            var corpus = SyntheticMemories.Create(Points, Centres);
            var db = Path.Combine(dir.FullName, "promethean.db");
            var write = Stopwatch.StartNew();
            using (var store = SqliteStore.Open(db))
                corpus.WriteTo(store);
            Console.WriteLine($"   store written in {write.Elapsed.TotalSeconds:0.0} s");

            var metrics = new List<Metric>();
            // PROMETHEAN_BENCH_MESSAGE_ONLY=1 skips the context assembly part (~1 min) when only message_to_send is compared.
            if (Environment.GetEnvironmentVariable("PROMETHEAN_BENCH_MESSAGE_ONLY") != "1")
                metrics.AddRange(ContextAssembly(corpus, db, dir.FullName));
            metrics.AddRange(await MessageToSend(corpus, db, dir.FullName));
            var loadAfter = Load();
            metrics.Add(new Metric("cephalon_bench_load_avg_1m", loadAfter, "load", "info",
                $"1-minute load average of this {Environment.ProcessorCount}-core machine (shared with other builds): {loadBefore:0.00} at start, {loadAfter:0.00} at end; timings above are wall times under that load"));
            return metrics;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }

    // ---- context assembly ------------------------------------------------------------------------------

    private static IEnumerable<Metric> ContextAssembly(SyntheticMemories corpus, string db, string baseDir)
    {
        var config = Config(baseDir, null);
        var world = WithRecentRing(Genesis.Build(config), corpus);
        var talk = world.Sessions.Single(s => s.Value.Name == TalkSession).Key;
        using var store = SqliteStore.Open(db);
        store.VectorSearch(SyntheticMemories.Model, "canonical", new float[SyntheticMemories.Dims], 1);

        var cephalonMs = new List<double>();
        var tickMs = new List<double>();
        var vectorMs = new List<double>();
        var keywordMs = new List<double>();
        var retrievalMs = new List<double>();
        var walkMs = new List<double>();
        var related = new List<double>();
        var prompt = new List<double>();
        var questions = new List<string>();
        for (var q = 0; q < Warmup + Queries; q++)
        {
            var centre = corpus.RandomCentre();
            var question = Question(corpus, centre, q);
            questions.Add(question.Content);
            var asked = Schedule.Run(Schedule.BeginTick(world, SyntheticMemories.NowMs + 1_000, [question]), store, Schedule.Systems);
            var embed = asked.Effects.OfType<LlmEmbed>().Single(e => e.Meta.GetValueOrDefault(CephalonSystem.SessionKey) == talk.ToString()
                && e.Meta.GetValueOrDefault(CephalonSystem.PurposeKey) == CephalonSystem.QueryPurpose);
            var vector = corpus.Around(centre);
            var next = Schedule.BeginTick(asked, SyntheticMemories.NowMs + 1_050,
                [new LlmEmbedResult(embed.Id, embed.Model, [[.. vector]]) { Meta = embed.Meta }]);

            // The daemon commits the question (a mem/put) before its embedding comes back, which clears the store's
            // remembered keyword reads; this loop commits nothing, so clear them here, and before each part below,
            // with the remembered graph reads too, so each part is timed on cold reads.
            store.ForgetReads();
            double stepMs = 0, allMs = 0;
            foreach (var system in Schedule.Systems)
            {
                var started = Stopwatch.GetTimestamp();
                next = system.Update(next, store);
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                allMs += ms;
                if (system.Name == "cephalon.step")
                    stepMs = ms;
            }
            var chat = next.Effects.OfType<LlmChat>().Single(e => e.Meta.GetValueOrDefault(CephalonSystem.SessionKey) == talk.ToString());

            // The parts, measured after the step (warm caches): exact vector search alone, and the whole retrieval.
            var vectorStarted = Stopwatch.GetTimestamp();
            store.VectorSearch(SyntheticMemories.Model, "canonical", vector, RetrievalWeights.Default.PoolSize);
            var vectorOnly = Stopwatch.GetElapsedTime(vectorStarted).TotalMilliseconds;
            store.ForgetReads();
            var keywordStarted = Stopwatch.GetTimestamp();
            store.KeywordSearch(asked.Sessions[talk].Turn!.Query, RetrievalWeights.Default.PoolSize);
            var keywordOnly = Stopwatch.GetElapsedTime(keywordStarted).TotalMilliseconds;
            var keys = Tagger.Tag(asked.Sessions[talk].Turn!.Query, new TagContext("cephalon", Channel, Session: TalkSession), asked.MemoryConfig.Lexicon).Keys;
            store.ForgetReads();
            var retrievalStarted = Stopwatch.GetTimestamp();
            MemoryRetrieval.Retrieve(store, new RetrievalQuery(asked.Sessions[talk].Turn!.Query, [.. vector], [.. keys], next.TimeMs, asked.Sessions[talk].Profile.RelatedK)
            {
                ExcludeKinds = CephalonSystem.NotRelated,
            });
            var retrieval = Stopwatch.GetElapsedTime(retrievalStarted).TotalMilliseconds;
            var walkStarted = Stopwatch.GetTimestamp();
            var seeds = store.VectorSearch(SyntheticMemories.Model, "canonical", vector, RetrievalWeights.Default.WalkSeeds);
            DaimoiWalk.Run(store, new MemoryReads(store), seeds, keys, DaimoiLimits.Default);
            var walkOnly = Stopwatch.GetElapsedTime(walkStarted).TotalMilliseconds;
            if (q < Warmup)
                continue;
            walkMs.Add(walkOnly);
            cephalonMs.Add(stepMs);
            tickMs.Add(allMs);
            vectorMs.Add(vectorOnly);
            keywordMs.Add(keywordOnly);
            retrievalMs.Add(retrieval);
            related.Add(double.Parse(chat.Meta.GetValueOrDefault("context.related", "0"), CultureInfo.InvariantCulture));
            prompt.Add(double.Parse(chat.Meta.GetValueOrDefault("tokens.total", "0"), CultureInfo.InvariantCulture));
        }
        var matches = FtsMatches(db, questions);
        var p95 = Results.Quantile(cephalonMs, 0.95);
        Console.WriteLine($"   FTS matches per question p50 {matches:0}");
        Console.WriteLine($"   context assembly p50 {Results.Quantile(cephalonMs, 0.5):0.00} ms, p95 {p95:0.00} ms; retrieval p50 {Results.Quantile(retrievalMs, 0.5):0.00} ms, keyword {Results.Quantile(keywordMs, 0.5):0.00} ms, vector {Results.Quantile(vectorMs, 0.5):0.00} ms, walk (with its seeds' vector search) {Results.Quantile(walkMs, 0.5):0.00} ms");
        yield return new Metric("context_assembly_p95_ms_100k", p95, "ms", "<= 30",
            $"cephalon.step in the tick of the query's llm/embed.result -> llm/chat, {Queries} queries after {Warmup} warm-up, 100k memories with 384-d vectors, nexus keys, FTS; " +
            $"exact vector search (what the daemon uses: its systems read the SqliteStore), FTS, daimoi walk, memory reads, o200k token counts; " +
            $"recent ring 32 lines, {Pins.Length} pins, 8192-token window; p50 {Results.Quantile(cephalonMs, 0.5):0.00}, p99 {Results.Quantile(cephalonMs, 0.99):0.00} ms; " +
            $"{Results.Quantile(related, 0.5):0} related memories and {Results.Quantile(prompt, 0.5):0} prompt tokens (p50). Questions name {TopicWords} words of a memory's text; " +
            $"the synthetic texts draw from a ~300-word vocabulary, so each word is in ~10% of memories and an OR of a question's words would match {matches:0} of 100k (p50); " +
            $"keyword search ranks only what it can afford (words rarest first within {SqliteStore.KeywordRowBudget} matches; when every word is past that, the memories with all of them, see memory.md)");
        yield return new Metric("context_assembly_retrieval_p50_ms_100k", Results.Quantile(retrievalMs, 0.5), "ms", "info",
            $"of which MemoryRetrieval.Retrieve (the hits with their memories), re-run after the step (warm caches, but the keyword reads forgotten as a stored question would make the daemon forget them); p95 {Results.Quantile(retrievalMs, 0.95):0.00} ms; " +
            $"alone: FTS keyword search p50 {Results.Quantile(keywordMs, 0.5):0.00}, p95 {Results.Quantile(keywordMs, 0.95):0.00} ms; " +
            $"daimoi walk with its seeds' vector search p50 {Results.Quantile(walkMs, 0.5):0.00} ms; " +
            $"exact vector search p50 {Results.Quantile(vectorMs, 0.5):0.00}, p95 {Results.Quantile(vectorMs, 0.95):0.00} ms (USearch HNSW would take ~1 ms instead, see memory.md; " +
            $"not built here: it takes minutes for 100k and only the CLI's search uses it)");
        yield return new Metric("context_assembly_tick_p95_ms_100k", Results.Quantile(tickMs, 0.95), "ms", "info",
            $"the whole schedule of that tick (all systems, no world hash or commit); p50 {Results.Quantile(tickMs, 0.5):0.00} ms");
    }

    /// <summary>How many memories an FTS OR of a question's words matches, median over the questions: what keyword search would rank without its row budget.</summary>
    private static double FtsMatches(string db, List<string> questions)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Mode=ReadOnly");
        connection.Open();
        var counts = new List<double>();
        foreach (var text in questions.Take(50))
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT count(*) FROM memories_fts WHERE memories_fts MATCH $q";
            cmd.Parameters.AddWithValue("$q", string.Join(" OR ", SimHash.Words(text).Distinct(StringComparer.Ordinal).Take(32).Select(t => "\"" + t + "\"")));
            counts.Add((long)cmd.ExecuteScalar()!);
        }
        return Results.Quantile(counts, 0.5);
    }

    /// <summary>The genesis world with the talk session's recent ring full: 28 lines from people, 4 of its own answers.</summary>
    private static World WithRecentRing(World world, SyntheticMemories corpus)
    {
        var (id, session) = world.Sessions.Single(s => s.Value.Name == TalkSession);
        var lines = SyntheticDiscordDayLines().Take(session.RecentCapacity).Select((m, i) => i % 8 == 7
            ? Recent("assistant", "Duck", "Here is what I remember about \"" + Topic(corpus, i) + "\":\n- " + corpus.CentreMessages[i].Content, m.TimestampMs)
            : Recent("user", m.AuthorName, m.Content, m.TimestampMs));
        return world with { Sessions = world.Sessions.SetItem(id, session with { Recent = [.. lines] }) };
    }

    private static IEnumerable<DiscordMessageNew> SyntheticDiscordDayLines() =>
        Core.Tests.SyntheticDiscordDay.Generate(seed: 78).Where(m => m.Label == Core.Tests.MessageLabel.Genuine && m.Message.ChannelId == Channel)
            .Select(m => m.Message);

    private static RecentEntry Recent(string role, string author, string text, long atMs) =>
        new(role, author, text, Channel, atMs, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(TextNormalizer.Normalize(text)))));

    private static string Topic(SyntheticMemories corpus, int centre) =>
        string.Join(' ', corpus.CentreMessages[centre].Content.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(TopicWords));

    private static DiscordMessageNew Question(SyntheticMemories corpus, int centre, int n) =>
        new(QuestionId(n), Channel, "900000000000000001", "300000000000000042", "grace", false,
            $"Duck, what did we say about {Topic(corpus, centre)}?", SyntheticMemories.NowMs + n);

    private static string QuestionId(int n) => (510_000_000_000_000_000L + n).ToString(CultureInfo.InvariantCulture);

    // ---- message to send -------------------------------------------------------------------------------

    private static async Task<IEnumerable<Metric>> MessageToSend(SyntheticMemories corpus, string db, string baseDir)
    {
        await using var fake = await FakeDiscord.StartAsync();
        fake.Gateway.HeartbeatInterval = TimeSpan.FromSeconds(30);
        var config = Config(baseDir, fake);
        var handled = new ConcurrentQueue<HandledEffect>();
        using var discord = DiscordClient.Create(config.Discord, new DiscordToken(fake.Token), NullLoggerFactory.Instance);
        IEffectHandler[] handlers =
        [
            new TimerWakeHandler(TimeProvider.System),
            .. LlmHandlers.Create(config.Llm, NullLoggerFactory.Instance).Select(h => new TimedHandler(h, handled)),
            discord.SendHandler,
        ];
        var dispatcher = new EffectDispatcher(handlers, config.Engine.MaxInFlightPerType, TimeSpan.FromSeconds(config.Engine.EffectTimeoutSeconds), NullLogger.Instance);
        using var store = SqliteStore.Open(db);
        var engine = new Engine(store, Schedule.Systems, dispatcher, config.Engine, TimeProvider.System, NullLogger.Instance);
        var genesis = WithMirrors(Genesis.Build(config), corpus);
        engine.Open(genesis);
        var talk = genesis.Sessions.Single(s => s.Value.Name == TalkSession).Key.ToString();

        var sends = System.Threading.Channels.Channel.CreateUnbounded<(long At, long Tick)>();
        var ticks = 0L;
        var systemUs = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        engine.Committed += report =>
        {
            Interlocked.Increment(ref ticks);
            foreach (var (system, us) in report.SystemMicroseconds)
                systemUs.AddOrUpdate(system, us, (_, total) => total + us);
            if (report.ExternalEffects.Any(e => e is DiscordSend s && s.Meta.GetValueOrDefault(CephalonSystem.SessionKey) == talk))
                sends.Writer.TryWrite((Stopwatch.GetTimestamp(), report.Tick));
        };

        using var stop = new CancellationTokenSource();
        var gateway = discord.Gateway(engine.Inbound).RunAsync(stop.Token);
        var loop = engine.RunAsync(stop.Token);
        var connection = await fake.Gateway.NextConnectionAsync();
        await connection.NextAsync(2);
        store.VectorSearch(SyntheticMemories.Model, "canonical", new float[SyntheticMemories.Dims], 1);

        // Fill the recent ring with chatter first (the builtin model stays silent: it is not addressed).
        var n = 0;
        foreach (var line in SyntheticDiscordDayLines().Take(32))
            await connection.SendMessageCreateAsync(QuestionId(1_000 + n++), Channel, "300000000000000043", line.Content);
        await Idle(engine);

        var netMs = new List<double>();
        var rawMs = new List<double>();
        var modelMs = new List<double>();
        var embedMs = new List<double>();
        var tickCounts = new List<double>();
        for (var q = 0; q < Warmup + Questions; q++)
        {
            if (q == Warmup)
                systemUs.Clear();
            handled.Clear();
            var centre = corpus.RandomCentre();
            var ticksBefore = Interlocked.Read(ref ticks);
            var sent = Stopwatch.GetTimestamp();
            await connection.SendMessageCreateAsync(QuestionId(q), Channel, "300000000000000042", $"Duck, what did we say about {Topic(corpus, centre)}?");
            var (at, tick) = await sends.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            var raw = Stopwatch.GetElapsedTime(sent, at).TotalMilliseconds;
            await Idle(engine);
            var turn = handled.Where(h => h.Session == talk && h.EndedTicks <= at).ToList();
            var chat = turn.Where(h => h.Type == "llm/chat").Sum(h => (double)(h.ModelLatencyMs ?? 0));
            var embed = turn.Where(h => h.Type == "llm/embed").Sum(h => h.Milliseconds);
            if (q < Warmup)
                continue;
            rawMs.Add(raw);
            modelMs.Add(chat + embed);
            embedMs.Add(embed);
            netMs.Add(raw - chat - embed);
            tickCounts.Add(tick - ticksBefore);
        }
        await stop.CancelAsync();
        await loop;
        await gateway;
        if (fake.Rest.Messages.Count < Warmup + Questions)
            throw new InvalidOperationException($"expected {Warmup + Questions} replies, Discord got {fake.Rest.Messages.Count}");

        var perQuestion = systemUs.OrderByDescending(p => p.Value).Take(4)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value / 1000.0 / Questions:0.0}"));
        var systemsMs = systemUs.Values.Sum() / 1000.0 / Questions;
        var p95 = Results.Quantile(netMs, 0.95);
        Console.WriteLine($"   systems per question {systemsMs:0.0} ms: {string.Join(", ", perQuestion)}");
        Console.WriteLine($"   message to send p50 {Results.Quantile(netMs, 0.5):0.0} ms, p95 {p95:0.0} ms without model time; raw p95 {Results.Quantile(rawMs, 0.95):0.0} ms");
        return
        [
            new Metric("message_to_send_p95_ms", p95, "ms", "<= 50",
                $"gateway MESSAGE_CREATE of \"Duck, what did we say about ...?\" (loopback Discord) to the commit of the tick that emits its discord/send, {Questions} questions one at a time after {Warmup} warm-up; " +
                $"real engine, on-disk SQLite store with 100k memories (and their mirrors in the world), builtin model, local MiniLM; the turn is 2 model rounds (memory_search tool, then the answer; the builtin model searches with the question's own words, so the tool's keyword reads come from the store's memory of the first search: a model that rephrases would save less), " +
                $"{Results.Quantile(tickCounts, 0.5):0} ticks (p50). Excluded: llm/response latency of both rounds and the wall time of both llm/embed calls (query and tool search; includes waiting for the model " +
                $"while it embeds new memories), p50 {Results.Quantile(modelMs, 0.5):0.0} ms of which embeddings {Results.Quantile(embedMs, 0.5):0.0} ms; p50 {Results.Quantile(netMs, 0.5):0.0}, p99 {Results.Quantile(netMs, 0.99):0.0} ms. " +
                $"Systems ran {systemsMs:0.0} ms per question (mean; all ticks while it was answered, including its follow-ups), most in {string.Join(", ", perQuestion)} ms; the rest is world hash, SQLite commit and effect hand-offs"),
            new Metric("message_to_send_with_model_p95_ms", Results.Quantile(rawMs, 0.95), "ms", "info",
                $"the same, model time included (builtin chat, MiniLM on the CPU); p50 {Results.Quantile(rawMs, 0.5):0.0}, p99 {Results.Quantile(rawMs, 0.99):0.0} ms"),
        ];
    }

    /// <summary>Waits until nothing is queued or in flight for a few polls in a row (the previous question's follow-ups settle).</summary>
    private static async Task Idle(Engine engine)
    {
        var quiet = 0;
        var deadline = Stopwatch.StartNew();
        while (quiet < 5 && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(10);
            quiet = engine.InboundDepth == 0 && engine.EffectsInFlight == 0 ? quiet + 1 : 0;
        }
    }

    private static World WithMirrors(World world, SyntheticMemories corpus)
    {
        var mirrors = world.Memories.ToBuilder();
        for (var i = 0; i < corpus.Data.Length; i++)
        {
            world = world.Spawn(out var id);
            var m = corpus.MemoryAt(i);
            mirrors[id] = new MemoryMirror(m.Id, m.Kind, m.Tags, m.NexusKeys, MemoryLifecycle.Active);
        }
        return world with { Memories = mirrors.ToImmutable() };
    }

    /// <summary>The default configuration (Duck, its speaking session, builtin model, local embeddings) with budgets that never defer a bench turn.</summary>
    private static PrometheanConfig Config(string baseDir, FakeDiscord? fake)
    {
        var config = ConfigLoader.Load(null, new Dictionary<string, string?>
        {
            ["Engine:StatusEverySeconds"] = "0",
            ["Fs:BaseDirectory"] = baseDir,
            ["Discord:GatewayUrl"] = fake?.GatewayUrl.ToString() ?? "",
            ["Discord:RestBaseUrl"] = fake?.RestBaseUrl.ToString() ?? "https://discord.com/api/v10",
        });
        foreach (var session in config.Cephalons.SelectMany(c => c.Sessions))
        {
            session.LlmCallsPerMinute = 1_000_000;
            session.TokensPerMinute = 1_000_000_000;
            session.TokensPerDay = 1_000_000_000;
            if (session.Name == TalkSession)
                session.Pins = [.. Pins];
        }
        return config;
    }

    private static double Load() =>
        File.Exists("/proc/loadavg") ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture) : double.NaN;
}
