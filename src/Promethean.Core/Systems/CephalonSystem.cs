using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Promethean.Core.Cephalons;
using Promethean.Core.Components;
using Promethean.Core.Context;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Core.Ingest;
using Promethean.Core.Retrieval;

namespace Promethean.Core.Systems;

/// <summary>
/// seed sys.cephalon.step (7.1): a granted session pulls its queue into the recent ring, builds a query,
/// embeds it (<c>llm/embed</c>), retrieves related memories (vector + daimoi + keywords), assembles
/// <c>system, [related..., persistent..., recent...]</c> inside its budgets and emits <c>llm/chat</c>; the
/// session stays blocked until the answer. An answer with tool calls runs the allowed tools
/// (<c>tool/called</c>, <c>tool/result</c>) and asks the scheduler for another round; a final answer is sent
/// to Discord unless it is silence, and everything the session said and did is kept for memory.ingest.
/// </summary>
public static class CephalonSystem
{
    public const string SilenceToken = OlympiaSystem.SilenceToken;
    public const string QueryPurpose = "cephalon.query";
    public const string ToolPurpose = "cephalon.tool";
    public const string WakePurpose = "cephalon.wake";
    public const string ReportPurpose = "cephalon.report";
    public const string SessionKey = "session";
    public const string PurposeKey = "purpose";
    public const string ToolCallKey = "tool_call";

    /// <summary>Longest text of one recent line and of a query, in characters.</summary>
    public const int MaxLineChars = 2_000;
    public const int MaxQueryChars = 1_000;

    /// <summary>
    /// The agent's tool calls and results are memories, but not context for answering people: its replies carry what
    /// mattered, and retrieving its own tool chatter would crowd out what people said.
    /// </summary>
    public static readonly ImmutableSortedSet<string> NotRelated =
        ImmutableSortedSet.Create(StringComparer.Ordinal, TranscriptEntry.ToolCall, TranscriptEntry.ToolResult);

    /// <summary>Most pins a session keeps.</summary>
    public const int MaxPins = 32;

    /// <summary>Fewest answer tokens worth a call; with less room the turn is skipped and counted.</summary>
    public const int MinOutputTokens = 16;

    public static World Update(World world, IStoreReader stores)
    {
        var next = world;
        foreach (var e in world.EventsIn)
        {
            next = e switch
            {
                LlmEmbedResult r when Purpose(r.Meta) == QueryPurpose => OnQueryVector(next, stores, r.Meta, r.EffectId, r.Vectors.IsDefaultOrEmpty ? default : r.Vectors[0]),
                EffectError err when err.EffectType == "llm/embed" && Purpose(err.Meta) == QueryPurpose => OnQueryVector(next, stores, err.Meta, err.EffectId, default),
                LlmResponse r when r.Meta.ContainsKey(SessionKey) => OnResponse(next, stores, r),
                EffectError err when err.EffectType == "llm/chat" && err.Meta.ContainsKey(SessionKey) => OnChatError(next, err),
                _ => next,
            };
        }
        foreach (var grant in world.EventsOut.OfType<SessionTurnGranted>())
            next = OnGrant(next, stores, grant.Session);

        // A session whose tool results came in this tick (cephalon.tools) and that the scheduler could not grant its
        // next round right away (budget, slots) needs a tick later, when nothing else may be on its way to bring one.
        foreach (var done in world.EventsOut.OfType<ToolResult>().Select(r => r.Session).Distinct())
        {
            if (next.Sessions.TryGetValue(done, out var s) && s is { Status: SessionStatus.Ready, Turn.Phase: TurnPhase.Continuing }
                && !next.Effects.OfType<TimerWake>().Any(w => w.Meta.GetValueOrDefault(SessionKey) == done.ToString()))
                next = next.Do(Wake(done, next.TimeMs));
        }
        return next;
    }

    /// <summary>
    /// cephalon.tools, before the scheduler: the outcomes of a round's tool effects (file reads, memory searches) join
    /// the conversation, and a session with all its results is ready for its next round, which the scheduler can then
    /// grant in the same tick (cephalon.step calls the model). Before, cephalon.step took them after the scheduler had
    /// run and asked for a tick (timer/wake) to be granted in: one tick, one commit and one hand-off more per tool round.
    /// </summary>
    public static World UpdateToolResults(World world, IStoreReader stores)
    {
        var next = world;
        foreach (var e in world.EventsIn)
        {
            next = e switch
            {
                FsReadResult r when Purpose(r.Meta) == ToolPurpose => OnToolOutcome(next, r.Meta, r.EffectId, CephalonTools.Cap(r.Content), false),
                LlmEmbedResult r when Purpose(r.Meta) == ToolPurpose => OnToolOutcome(next, r.Meta, r.EffectId, SearchFromMeta(next, stores, r.Meta, r.Vectors.IsDefaultOrEmpty ? default : r.Vectors[0]), false),
                EffectError err when err.EffectType == "llm/embed" && Purpose(err.Meta) == ToolPurpose => OnToolOutcome(next, err.Meta, err.EffectId, SearchFromMeta(next, stores, err.Meta, default), false),
                EffectError err when Purpose(err.Meta) == ToolPurpose => OnToolOutcome(next, err.Meta, err.EffectId, err.Message, true),
                _ => next,
            };
        }
        return next;
    }

    private static string? Purpose(ImmutableSortedDictionary<string, string> meta) => meta.GetValueOrDefault(PurposeKey);

    // ---- a new turn or the next round -----------------------------------------------------------

    private static World OnGrant(World world, IStoreReader stores, EntityId id)
    {
        if (!world.Sessions.TryGetValue(id, out var session))
            return world;
        if (session.Turn is { Phase: TurnPhase.Continuing } turn)
            return CallModel(world, id, session, turn);
        if (session.Turn is not null || session.Queue.IsEmpty)
            return world;

        // A turn answers one channel: the one of the oldest queued message. Messages of other channels wait for
        // their own turn, so the context is one conversation and the answer goes where the question was asked.
        var channel = session.Queue.OfType<DiscordMessageNew>().FirstOrDefault()?.ChannelId;
        var taken = channel is null ? session.Queue : [.. session.Queue.Where(e => e is not DiscordMessageNew m || m.ChannelId == channel)];
        ImmutableArray<Event> waiting = channel is null ? [] : [.. session.Queue.Where(e => e is DiscordMessageNew m && m.ChannelId != channel)];
        var drained = taken.Select(e => ToRecent(e)).Where(r => r is not null).Select(r => r!).ToList();
        if (session.Profile.Contract == CephalonContracts.Janitor && !taken.Any(e => IsReportTrigger(e, session)))
        {
            // Nothing to report on: the events join the recent lines, no model call.
            var quiet = session with { Queue = [], Recent = Ring(session.Recent, drained, session.RecentCapacity), Status = SessionStatus.Idle };
            return Put(world, id, quiet);
        }
        if (session.Profile.Contract == CephalonContracts.Janitor)
        {
            var facts = JanitorFacts.Build(world, stores, session);
            drained.Add(Recent("user", "janitor", facts.Text, session.Profile.ReportChannel, world.TimeMs));
            session = session with { Baseline = facts.Baseline };
        }
        var replyChannel = channel ?? session.Profile.ReportChannel;
        var query = Cut(string.Join("\n", drained.Select(d => d.Text)), MaxQueryChars, fromEnd: true);
        session = session with
        {
            Queue = waiting,
            Recent = Ring(session.Recent, drained, session.RecentCapacity),
            Status = SessionStatus.Blocked,
        };
        turn = new SessionTurn(TurnPhase.Retrieving, "", query, replyChannel, [], 0, 0, world.TimeMs);

        var cfg = world.MemoryConfig;
        if (cfg.EmbedEndpoint.Length == 0 || query.Length == 0)
            return Assemble(Put(world, id, session with { Turn = turn }), stores, id, default);
        var embed = new LlmEmbed(cfg.EmbedEndpoint, cfg.EmbedModel, [query]) { Meta = Meta(id).Add(PurposeKey, QueryPurpose) };
        var next = world.Do(embed);
        var embedId = next.Effects[^1].Id;
        next = Put(next, id, session with { Turn = turn with { WaitingFor = embedId } });
        return Hold(next, id, embedId);
    }

    /// <summary>The janitor reports on its own timer (named like the session) and on request.</summary>
    private static bool IsReportTrigger(Event e, Session session) => e is JanitorReportRequested || (e is TimerTick t && t.Timer == session.Name);

    private static World OnQueryVector(World world, IStoreReader stores, ImmutableSortedDictionary<string, string> meta, string effectId, ImmutableArray<float> vector)
    {
        if (Waiting(world, meta, effectId, TurnPhase.Retrieving) is not { } id)
            return world;
        var next = vector.IsDefaultOrEmpty ? DebugStatsSystem.Count(world, "cephalon.query.unembedded", 1) : world;
        return Assemble(next, stores, id, vector);
    }

    /// <summary>Retrieves, assembles within the budgets and calls the model for the turn's first round.</summary>
    private static World Assemble(World world, IStoreReader stores, EntityId id, ImmutableArray<float> vector)
    {
        var session = world.Sessions[id];
        var turn = session.Turn!;
        var cephalon = world.Cephalons.GetValueOrDefault(session.Cephalon);
        var policy = cephalon?.Policy ?? new CephalonPolicy("");
        var cfg = world.MemoryConfig;
        var tokens = TokenCounter.For(ModelOf(session, policy));

        var related = new List<ContextItem>();
        if (turn.Query.Length > 0)
        {
            var keys = Tagger.Tag(turn.Query, new TagContext("cephalon", turn.ReplyChannel, Session: session.Name), cfg.Lexicon).Keys;
            var query = new RetrievalQuery(turn.Query, vector.IsDefault ? [] : vector, [.. keys], world.TimeMs, session.Profile.RelatedK)
            {
                Model = cfg.EmbedModel,
                ExcludeKinds = NotRelated,
            };
            foreach (var (hit, memory) in MemoryRetrieval.Retrieve(stores, query))
                related.Add(new ContextItem(memory.Id, Render(memory), ContentHash(memory), hit.Score));
        }
        var persistent = session.Persistent
            .Select(pin => stores.GetMemory(pin) is { } m
                ? new ContextItem(m.Id, Render(m), ContentHash(m), 1)
                : new ContextItem(pin, $"(memory {pin} is pinned but no longer stored)", pin, 1))
            .ToList();

        var ledger = world.Ledgers.GetValueOrDefault(id) ?? SessionLedger.Start(1);
        var left = Budget.TokensLeft(ledger, session.Budgets, world.TimeMs);
        var window = (int)Math.Min(policy.ContextWindowTokens, left);
        var tools = Tools(session, turn.Round);
        var context = ContextAssembler.Build(
            new ContextRequest(window, policy.MaxOutputTokens, SystemPrompt(cephalon, session), persistent, session.Recent, related)
            {
                ToolTokens = tokens.CountTools(tools),
            },
            tokens);
        if (context.OutputTokens < MinOutputTokens)
            return EndTurn(DebugStatsSystem.Count(world, "cephalon.turn.skipped.budget", 1), id, session, world.TimeMs);

        var contextMeta = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, context.Tokens.AsMeta())
            .Add("context.related", Num(context.RelatedIds.Length))
            .Add("context.dropped.related", Num(context.DroppedRelated))
            .Add("context.dropped.recent", Num(context.DroppedRecent))
            .Add("context.deduplicated", Num(context.Deduplicated));
        var next = world;
        if (!context.DroppedPersistent.IsEmpty)
        {
            contextMeta = contextMeta.Add("context.dropped.persistent", string.Join(",", context.DroppedPersistent));
            next = DebugStatsSystem.Count(next, "cephalon.context.persistent-dropped", context.DroppedPersistent.Length)
                .Emit(new ContextOverflow(id, session.Name, context.DroppedPersistent));
        }
        turn = turn with { Messages = context.Messages, ContextMeta = contextMeta };
        return Chat(next, id, session with { Turn = turn }, turn, context.Messages, tools, context.OutputTokens, context.Tokens.Prompt);
    }

    /// <summary>A later round: the conversation so far, as long as it still fits the window.</summary>
    private static World CallModel(World world, EntityId id, Session session, SessionTurn turn)
    {
        var policy = world.Cephalons.GetValueOrDefault(session.Cephalon)?.Policy ?? new CephalonPolicy("");
        var tokens = TokenCounter.For(ModelOf(session, policy));
        var tools = Tools(session, turn.Round);
        var prompt = tokens.CountMessages(turn.Messages) + tokens.CountTools(tools);
        var ledger = world.Ledgers.GetValueOrDefault(id) ?? SessionLedger.Start(1);
        var window = (int)Math.Min(policy.ContextWindowTokens, Budget.TokensLeft(ledger, session.Budgets, world.TimeMs));
        var safety = (int)Math.Ceiling(window * ContextShares.Default.Safety);
        var output = Math.Min(policy.MaxOutputTokens, window - safety - prompt);
        if (output < MinOutputTokens)
            return EndTurn(DebugStatsSystem.Count(world, "cephalon.turn.overflow", 1), id, session, world.TimeMs);
        return Chat(world, id, session, turn, turn.Messages, tools, output, prompt);
    }

    private static World Chat(World world, EntityId id, Session session, SessionTurn turn, ImmutableArray<ChatMessage> messages,
        ImmutableArray<ToolSpec> tools, int output, int prompt)
    {
        var policy = world.Cephalons.GetValueOrDefault(session.Cephalon)?.Policy ?? new CephalonPolicy("");
        var round = turn.Round + 1;
        var meta = Meta(id)
            .SetItems(turn.ContextMeta)
            .SetItem("contract", session.Profile.Contract)
            .SetItem("cephalon", session.Cephalon.ToString())
            .SetItem("cephalon.name", world.Cephalons.GetValueOrDefault(session.Cephalon)?.Name ?? "")
            .SetItem("session.name", session.Name)
            .SetItem("round", Num(round))
            .SetItem("model", ModelOf(session, policy));
        var chat = new LlmChat(session.Profile.Endpoint, Model(session, policy), messages, tools, null, output) { Meta = meta };
        var next = world.Do(chat);
        var chatId = next.Effects[^1].Id;
        var ledger = next.Ledgers.GetValueOrDefault(id) ?? SessionLedger.Start(1);
        next = next with { Ledgers = next.Ledgers.SetItem(id, Budget.Reserve(ledger, world.TimeMs, chatId, prompt + output)) };
        return Put(next, id, session with
        {
            Status = SessionStatus.Blocked,
            Turn = turn with { Phase = TurnPhase.Thinking, WaitingFor = chatId, Round = round, Pending = ImmutableSortedDictionary<string, PendingTool>.Empty },
        });
    }

    // ---- answers ------------------------------------------------------------------------------------

    private static World OnResponse(World world, IStoreReader stores, LlmResponse r)
    {
        if (Waiting(world, r.Meta, r.EffectId, TurnPhase.Thinking) is not { } id)
            return world;
        var session = world.Sessions[id];
        var turn = session.Turn!;
        var toolsOffered = !Tools(session, turn.Round - 1).IsEmpty;
        if (!r.ToolCalls.IsDefaultOrEmpty && toolsOffered)
            return RunTools(world, stores, id, session, turn, r);

        var next = world;
        if (!r.ToolCalls.IsDefaultOrEmpty)
            next = DebugStatsSystem.Count(next, "cephalon.tool-calls.ignored", r.ToolCalls.Length);
        var text = r.Text.Trim();
        if (text.Length == 0 || text == SilenceToken)
            return EndTurn(DebugStatsSystem.Count(next, "cephalon.silence", 1), id, session, world.TimeMs);

        var effectMeta = Meta(id).Add("source", "cephalon").Add("reply_to", r.EffectId);
        var kind = TranscriptEntry.Reply;
        if (session.Profile.Contract == CephalonContracts.Janitor)
        {
            kind = TranscriptEntry.Report;
            if (session.Profile.ReportDirectory.Length > 0)
            {
                var path = session.Profile.ReportDirectory.TrimEnd('/') + "/" + ReportFileName(world.TimeMs, world.Tick);
                next = next.Do(new FsWrite(path, text + "\n") { Meta = effectMeta.Add(PurposeKey, ReportPurpose) });
            }
            if (session.Profile.ReportChannel.Length > 0)
                next = next.Do(new DiscordSend(session.Profile.ReportChannel, text) { Meta = effectMeta });
        }
        else if (session.Profile.Speaks && turn.ReplyChannel.Length > 0)
        {
            next = next.Do(new DiscordSend(turn.ReplyChannel, text) { Meta = effectMeta });
        }
        session = session with
        {
            Recent = Ring(session.Recent, [Recent("assistant", session.Name, text, turn.ReplyChannel, world.TimeMs)], session.RecentCapacity),
            Unfiled = session.Unfiled.Add(new TranscriptEntry(kind, text, turn.ReplyChannel, r.EffectId, world.TimeMs)),
        };
        return EndTurn(DebugStatsSystem.Count(next, "cephalon.replies", 1), id, session, world.TimeMs);
    }

    /// <summary>The report file name: UTC time of the tick, then the tick, so names sort by time and never collide.</summary>
    public static string ReportFileName(long timeMs, long tick) =>
        "janitor-" + DateTimeOffset.FromUnixTimeMilliseconds(timeMs).ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-t" + Num(tick) + ".md";

    private static World OnChatError(World world, EffectError err)
    {
        if (Waiting(world, err.Meta, err.EffectId, TurnPhase.Thinking) is not { } id)
            return world;
        return EndTurn(DebugStatsSystem.Count(world, "cephalon.turn.errors", 1), id, world.Sessions[id], world.TimeMs);
    }

    private static World EndTurn(World world, EntityId id, Session session, long nowMs)
    {
        var next = session with
        {
            Turn = null,
            LastTurnMs = nowMs,
            Status = session.Queue.IsEmpty ? SessionStatus.Idle : SessionStatus.Ready,
        };
        var ledger = world.Ledgers.GetValueOrDefault(id);
        if (ledger is not null && ledger.InFlightEffect is not null && ledger.InFlightEffect == session.Turn?.WaitingFor)
            world = world with { Ledgers = world.Ledgers.SetItem(id, ledger with { InFlightEffect = null }) };
        if (next.Status == SessionStatus.Ready)
        {
            // Events queued during the turn: the scheduler (which ran before this system) grants them on a later
            // tick, and nothing else may be on its way to bring one.
            var due = nowMs + next.Profile.CadenceMs;
            world = world.Do(Wake(id, due));
            next = next with { WakeAtMs = due };
        }
        return Put(world, id, next);
    }

    // ---- tools --------------------------------------------------------------------------------------

    private static World RunTools(World world, IStoreReader stores, EntityId id, Session session, SessionTurn turn, LlmResponse r)
    {
        var next = world;
        var pending = ImmutableSortedDictionary.CreateBuilder<string, PendingTool>(StringComparer.Ordinal);
        var used = turn.ToolCalls;
        foreach (var call in r.ToolCalls)
        {
            next = next.Emit(new ToolCalled(id, call.Id, call.Name, call.Arguments));
            session = session with
            {
                Unfiled = session.Unfiled.Add(new TranscriptEntry(TranscriptEntry.ToolCall, call.Name + " " + call.Arguments, turn.ReplyChannel, r.EffectId, world.TimeMs)),
            };
            used++;
            ToolOutcome outcome;
            if (used > session.Budgets.ToolCallsPerTurn)
                outcome = ToolOutcome.Error($"the budget of {session.Budgets.ToolCallsPerTurn} tool calls per turn is used up; answer with what you have");
            else if (!session.Profile.Tools.Contains(call.Name) || !CephalonTools.Specs.ContainsKey(call.Name))
                outcome = ToolOutcome.Error($"tool '{call.Name}' is not available to this session; available: {string.Join(", ", CephalonTools.For(session.Profile.Tools).Select(t => t.Name))}");
            else if (!CephalonTools.TryArguments(call.Arguments, call.ArgumentsError, out var args, out var argError))
                outcome = ToolOutcome.Error(argError);
            else
                (next, session, outcome) = Execute(next, stores, id, session, turn, call, args);

            if (outcome.EffectId is { } effectId)
            {
                pending[call.Id] = new PendingTool(call.Name, effectId, null, false);
                continue;
            }
            pending[call.Id] = new PendingTool(call.Name, "", outcome.Content, outcome.IsError);
            next = next.Emit(new ToolResult(id, call.Id, call.Name, outcome.Content, outcome.IsError));
            session = session with { Unfiled = session.Unfiled.Add(Transcript(call.Name, call.Arguments, outcome.Content, outcome.IsError, turn, r.EffectId, world.TimeMs)) };
        }
        var messages = turn.Messages.Add(new ChatMessage("assistant", r.Text, ToolCalls: r.ToolCalls));
        turn = turn with { Messages = messages, ToolCalls = used, Pending = pending.ToImmutable() };
        return Advance(next, id, session, turn, wake: true);
    }

    private static World OnToolOutcome(World world, ImmutableSortedDictionary<string, string> meta, string effectId, string content, bool isError)
    {
        if (!meta.TryGetValue(ToolCallKey, out var callId) || !EntityId.TryParse(meta.GetValueOrDefault(SessionKey), out var id))
            return world;
        if (!world.Sessions.TryGetValue(id, out var session) || session.Turn is not { Phase: TurnPhase.Tooling } turn
            || !turn.Pending.TryGetValue(callId, out var pending) || pending.EffectId != effectId || pending.Result is not null)
            return world;
        var next = world.Emit(new ToolResult(id, callId, pending.Name, content, isError));
        session = session with { Unfiled = session.Unfiled.Add(Transcript(pending.Name, "", content, isError, turn, effectId, world.TimeMs)) };
        turn = turn with { Pending = turn.Pending.SetItem(callId, pending with { Result = content, IsError = isError }) };
        return Advance(next, id, session, turn, wake: false);
    }

    /// <summary>Once every tool call of the round has its result, the results join the conversation and the session asks for another round.</summary>
    private static World Advance(World world, EntityId id, Session session, SessionTurn turn, bool wake)
    {
        if (turn.Pending.Values.Any(p => p.Result is null))
            return Put(world, id, session with { Status = SessionStatus.Blocked, Turn = turn with { Phase = TurnPhase.Tooling, WaitingFor = "" } });
        var assistant = turn.Messages[^1];
        var messages = turn.Messages.ToBuilder();
        foreach (var call in assistant.ToolCalls ?? [])
        {
            if (turn.Pending.TryGetValue(call.Id, out var p))
                messages.Add(new ChatMessage("tool", p.IsError ? "error: " + p.Result : p.Result!, call.Id, call.Name));
        }
        turn = turn with { Phase = TurnPhase.Continuing, WaitingFor = "", Messages = messages.ToImmutable(), Pending = ImmutableSortedDictionary<string, PendingTool>.Empty };
        // After the scheduler (results known when the model answered), nothing else may be on its way to start the next
        // tick, so ask for one: the scheduler grants the next round there. Before it (cephalon.tools), it may grant now.
        var next = wake ? world.Do(Wake(id, world.TimeMs)) : world;
        return Put(next, id, session with { Status = SessionStatus.Ready, Turn = turn });
    }

    private readonly record struct ToolOutcome(string Content, bool IsError, string? EffectId)
    {
        public static ToolOutcome Ok(string content) => new(content, false, null);

        public static ToolOutcome Error(string message) => new(message, true, null);

        public static ToolOutcome Awaiting(string effectId) => new("", false, effectId);
    }

    private static (World, Session, ToolOutcome) Execute(World world, IStoreReader stores, EntityId id, Session session, SessionTurn turn, ToolCall call, JsonElement args)
    {
        switch (call.Name)
        {
            case CephalonTools.MemorySearch:
            {
                if (!CephalonTools.TryString(args, "query", out var text, out var error))
                    return (world, session, ToolOutcome.Error(error));
                var k = CephalonTools.OptionalInt(args, "k", 5, 1, CephalonTools.MaxSearchResults);
                var cfg = world.MemoryConfig;
                if (cfg.EmbedEndpoint.Length == 0)
                    return (world, session, ToolOutcome.Ok(Search(world, stores, text, k, default)));
                // Search by meaning too: the query is embedded first, the search runs when the vector comes back.
                var meta = Meta(id).Add(PurposeKey, ToolPurpose).Add(ToolCallKey, call.Id).Add("query", text).Add("k", Num(k));
                var next = world.Do(new LlmEmbed(cfg.EmbedEndpoint, cfg.EmbedModel, [text]) { Meta = meta });
                return (next, session, ToolOutcome.Awaiting(next.Effects[^1].Id));
            }
            case CephalonTools.MemoryPin:
            {
                if (!CephalonTools.TryString(args, "memory_id", out var memoryId, out var error))
                    return (world, session, ToolOutcome.Error(error));
                if (stores.GetMemory(memoryId) is null)
                    return (world, session, ToolOutcome.Error($"no memory has the id '{memoryId}'"));
                if (session.Persistent.Contains(memoryId))
                    return (world, session, ToolOutcome.Ok($"{memoryId} was already pinned"));
                if (session.Persistent.Length >= MaxPins)
                    return (world, session, ToolOutcome.Error($"at most {MaxPins} memories can be pinned; unpin one first"));
                return (world, session with { Persistent = session.Persistent.Add(memoryId) }, ToolOutcome.Ok($"pinned {memoryId}"));
            }
            case CephalonTools.MemoryUnpin:
            {
                if (!CephalonTools.TryString(args, "memory_id", out var memoryId, out var error))
                    return (world, session, ToolOutcome.Error(error));
                return session.Persistent.Contains(memoryId)
                    ? (world, session with { Persistent = session.Persistent.Remove(memoryId) }, ToolOutcome.Ok($"unpinned {memoryId}"))
                    : (world, session, ToolOutcome.Error($"{memoryId} is not pinned"));
            }
            case CephalonTools.ReadFile:
            {
                if (!CephalonTools.TryString(args, "path", out var path, out var error))
                    return (world, session, ToolOutcome.Error(error));
                if (CephalonTools.PathProblem(path) is { } problem)
                    return (world, session, ToolOutcome.Error(problem));
                var next = world.Do(new FsRead(path) { Meta = Meta(id).Add(PurposeKey, ToolPurpose).Add(ToolCallKey, call.Id) });
                return (next, session, ToolOutcome.Awaiting(next.Effects[^1].Id));
            }
            case CephalonTools.DiscordSend:
            {
                if (!CephalonTools.TryString(args, "content", out var content, out var error))
                    return (world, session, ToolOutcome.Error(error));
                if (!session.Profile.Speaks)
                    return (world, session, ToolOutcome.Error("this session does not speak in Discord"));
                var channel = CephalonTools.OptionalString(args, "channel_id") ?? turn.ReplyChannel;
                if (channel.Length == 0)
                    return (world, session, ToolOutcome.Error("no channel: give channel_id"));
                var next = world.Do(new DiscordSend(channel, content) { Meta = Meta(id).Add("source", "tool").Add(ToolCallKey, call.Id) });
                return (next, session, ToolOutcome.Ok(string.Create(CultureInfo.InvariantCulture, $"queued {content.Length} characters for channel {channel} (send {next.Effects[^1].Id})")));
            }
            default:
                return (world, session, ToolOutcome.Error($"tool '{call.Name}' is unknown"));
        }
    }

    private static string SearchFromMeta(World world, IStoreReader stores, ImmutableSortedDictionary<string, string> meta, ImmutableArray<float> vector) =>
        Search(world, stores, meta.GetValueOrDefault("query", ""),
            int.TryParse(meta.GetValueOrDefault("k"), NumberStyles.None, CultureInfo.InvariantCulture, out var k) ? k : 5, vector);

    /// <summary>The memory_search tool's answer: one line per memory, best first, with its id for pinning.</summary>
    private static string Search(World world, IStoreReader stores, string text, int k, ImmutableArray<float> vector)
    {
        var keys = Tagger.Tag(text, new TagContext("cephalon"), world.MemoryConfig.Lexicon).Keys;
        var query = new RetrievalQuery(text, vector.IsDefault ? [] : vector, [.. keys], world.TimeMs, k) { Model = world.MemoryConfig.EmbedModel, ExcludeKinds = NotRelated };
        var hits = MemoryRetrieval.Retrieve(stores, query);
        if (hits.Count == 0)
            return "no memories match";
        var lines = hits.Select(h => string.Create(CultureInfo.InvariantCulture, $"{h.Memory.Id} (score {h.Hit.Score:0.000}): {Render(h.Memory)}"));
        return CephalonTools.Cap(string.Join("\n", lines));
    }

    private static TranscriptEntry Transcript(string name, string arguments, string result, bool isError, SessionTurn turn, string effectId, long nowMs) =>
        new(TranscriptEntry.ToolResult, CephalonTools.Describe(name, arguments, result, isError), turn.ReplyChannel, effectId, nowMs);

    // ---- helpers ---------------------------------------------------------------------------------------

    /// <summary>The session waiting for this effect in this phase, or null for a stale or foreign outcome.</summary>
    private static EntityId? Waiting(World world, ImmutableSortedDictionary<string, string> meta, string effectId, TurnPhase phase)
    {
        if (!EntityId.TryParse(meta.GetValueOrDefault(SessionKey), out var id))
            return null;
        return world.Sessions.TryGetValue(id, out var s) && s.Turn is { } t && t.Phase == phase && t.WaitingFor == effectId ? id : null;
    }

    private static ImmutableArray<ToolSpec> Tools(Session session, int roundsDone) =>
        roundsDone + 1 >= session.Profile.MaxToolRounds ? [] : CephalonTools.For(session.Profile.Tools);

    private static string ModelOf(Session session, CephalonPolicy policy) =>
        session.Profile.Model.Length > 0 ? session.Profile.Model : policy.Model;

    /// <summary>The model named in the request: empty lets the endpoint use its own.</summary>
    private static string Model(Session session, CephalonPolicy policy)
    {
        var model = ModelOf(session, policy);
        return model == "builtin" ? "" : model;
    }

    private static string SystemPrompt(Cephalon? cephalon, Session session)
    {
        var text = new StringBuilder();
        text.Append(session.Profile.SystemPrompt.Length > 0 ? session.Profile.SystemPrompt : Circuits.Get(session.Circuit).Prompt);
        text.Append("\n\nYou are ").Append(cephalon?.Name ?? "a cephalon").Append(", speaking as its ").Append(session.Name)
            .Append(" session (circuit ").Append(session.Circuit).Append(')');
        if (session.Focus.Length > 0)
            text.Append("; focus: ").Append(session.Focus);
        text.Append('.');
        text.Append("\nAnswer only when you have something worth saying; otherwise reply exactly ").Append(SilenceToken).Append('.');
        return text.ToString();
    }

    private static RecentEntry? ToRecent(Event e) => e switch
    {
        DiscordMessageNew m => Recent("user", m.AuthorName, m.Content, m.ChannelId, m.TimestampMs),
        TimerTick t => Recent("user", "timer", "timer " + t.Timer + " fired", "", t.DueMs),
        JanitorReportRequested r => Recent("user", r.By, "a report was requested", "", 0),
        _ => null,
    };

    private static RecentEntry Recent(string role, string author, string text, string channel, long atMs)
    {
        var line = Cut(text, MaxLineChars, fromEnd: false);
        return new RecentEntry(role, author, line, channel, atMs, Sha256Hex.Of(TextNormalizer.Normalize(text)));
    }

    private static ImmutableArray<RecentEntry> Ring(ImmutableArray<RecentEntry> recent, IReadOnlyCollection<RecentEntry> added, int capacity)
    {
        var all = recent.AddRange(added);
        return all.Length <= capacity ? all : all[(all.Length - capacity)..];
    }

    /// <summary>How a memory reads in a context section: when, where, who, what.</summary>
    public static string Render(Memory memory)
    {
        var when = DateTimeOffset.FromUnixTimeMilliseconds(memory.CreatedMs).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        var where = memory.Source.TryGetValue("channel", out var channel) ? " #" + channel
            : memory.Source.TryGetValue("path", out var path) ? " " + path : "";
        var who = memory.Source.TryGetValue("authorName", out var author) ? " " + author + ":" : "";
        var what = memory.Kind == MemoryIngestSystem.SpamAggregateKind
            ? $"[repeated {memory.Source.GetValueOrDefault("count", "?")} times] {memory.Text}"
            : memory.Kind.StartsWith("cephalon.", StringComparison.Ordinal) ? $"[{memory.Kind["cephalon.".Length..]}] {memory.Text}" : memory.Text;
        return Cut($"{when}{where}{who} {what}".ReplaceLineEndings(" "), MaxLineChars, fromEnd: false);
    }

    private static string ContentHash(Memory memory) =>
        memory.Source.TryGetValue("contentHash", out var hash) && hash.Length > 0 && !memory.Source.ContainsKey("path") ? hash : Sha256Hex.Of(memory.Text);

    private static string Cut(string text, int max, bool fromEnd)
    {
        if (text.Length <= max)
            return text;
        if (fromEnd)
        {
            var start = text.Length - max;
            if (char.IsLowSurrogate(text[start]))
                start++;
            return text[start..];
        }
        var end = char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
        return text[..end] + "…";
    }

    /// <summary>Asks for a tick at <paramref name="dueMs"/> for a session whose work became ready when nothing else may bring one.</summary>
    public static TimerWake Wake(EntityId id, long dueMs) => new(dueMs) { Meta = Meta(id).Add(PurposeKey, WakePurpose) };

    private static World Hold(World world, EntityId id, string effectId)
    {
        var ledger = world.Ledgers.GetValueOrDefault(id) ?? SessionLedger.Start(1);
        return world with { Ledgers = world.Ledgers.SetItem(id, ledger with { InFlightEffect = effectId }) };
    }

    private static World Put(World world, EntityId id, Session session) => world with { Sessions = world.Sessions.SetItem(id, session) };

    private static ImmutableSortedDictionary<string, string> Meta(EntityId id) =>
        ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal).Add(SessionKey, id.ToString());

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);
}
