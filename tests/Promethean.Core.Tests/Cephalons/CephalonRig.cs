using System.Collections.Immutable;
using Promethean.Core.Cephalons;
using Promethean.Core.Components;
using Promethean.Core.Effects;
using Promethean.Core.Events;
using Promethean.Stores.Sqlite;

namespace Promethean.Core.Tests.Cephalons;

/// <summary>
/// A cephalon named Duck with a speaking session "talk" (channel 42, every tool) and a janitor, run through the
/// whole schedule over an in-memory store. The test plays the effect runner: it reads the effects of a tick and
/// hands their outcomes to a later one, exactly as the runtime would.
/// </summary>
internal sealed class CephalonRig : IDisposable
{
    public const string Channel = "42";

    public CephalonRig(SessionProfile? talkProfile = null, SessionBudgets? budgets = null, int window = 8192, int maxOutput = 512)
    {
        var world = World.Empty.Spawn(out var cephalon).Spawn(out var talk).Spawn(out var janitor);
        Talk = talk;
        Janitor = janitor;
        var profile = talkProfile ?? new SessionProfile("", [.. CephalonTools.Specs.Keys], "", "", 0, true);
        var talkSession = new Session("talk", cephalon, "c3-symbolic", new SessionSubscriptions([], [Channel]), [], [], [], "conversation",
            budgets ?? new SessionBudgets(60, 1_000_000, 10_000_000, 4), SessionStatus.Idle) { Profile = profile };
        var janitorSession = new Session("janitor", cephalon, "c1-survival", new SessionSubscriptions(["timer/tick", "janitor/report.requested"], []), [], [], [], "upkeep",
            new SessionBudgets(60, 1_000_000, 10_000_000, 4), SessionStatus.Idle)
        {
            Profile = new SessionProfile("", [CephalonTools.MemorySearch], "", "", 0, false)
            {
                Contract = CephalonContracts.Janitor,
                ReportDirectory = "reports",
                ReportChannel = "77",
            },
        };
        World = world with
        {
            Cephalons = world.Cephalons.Add(cephalon, new Cephalon("Duck", new CephalonPolicy("builtin", window, maxOutput, 4), ImmutableSortedDictionary<string, string>.Empty, [talk, janitor])),
            Sessions = world.Sessions.Add(talk, talkSession).Add(janitor, janitorSession),
            Ledgers = world.Ledgers.Add(talk, SessionLedger.Start(1)).Add(janitor, SessionLedger.Start(1)),
        };
    }

    public SqliteStore Store { get; } = SqliteStore.InMemory();

    public World World { get; set; }

    public EntityId Talk { get; }

    public EntityId Janitor { get; }

    public long TimeMs { get; private set; } = 1_764_000_000_000;

    public Session TalkSession => World.Sessions[Talk];

    /// <summary>Runs one tick with these inbound events, then applies its store effects as the commit would.</summary>
    public World Step(params Event[] events)
    {
        TimeMs += 1_000;
        World = Schedule.Run(Schedule.BeginTick(World, TimeMs, [.. events]), Store, Schedule.Systems);
        Store.ApplyStoreEffects(World.Effects);
        return World;
    }

    public IEnumerable<T> Effects<T>() where T : Effect => World.Effects.OfType<T>();

    public IEnumerable<T> Events<T>() where T : Event => World.EventsOut.OfType<T>();

    /// <summary>The cephalon effect of this tick of a type, for one session.</summary>
    public T Single<T>(EntityId session) where T : Effect =>
        World.Effects.OfType<T>().Single(e => e.Meta.GetValueOrDefault("session") == session.ToString());

    public static DiscordMessageNew Message(string id, string author, string text, long atMs = 1_764_000_000_000, string channel = Channel) =>
        new(id, channel, "1", "u-" + author, author, false, text, atMs);

    /// <summary>The query embedding's answer: any unit vector will do when no memory has a vector.</summary>
    public static LlmEmbedResult Vector(LlmEmbed embed)
    {
        var v = new float[384];
        v[0] = 1;
        return new LlmEmbedResult(embed.Id, embed.Model, [[.. v]]) { Meta = embed.Meta };
    }

    public static LlmResponse Answer(LlmChat chat, string text, params ToolCall[] calls) =>
        new(chat.Id, text, [.. calls], calls.Length > 0 ? "tool_calls" : "stop", new LlmUsage(100, 10, false), 5, "builtin", "builtin") { Meta = chat.Meta };

    /// <summary>Runs a message in until the session's first <c>llm/chat</c> is emitted and returns it.</summary>
    public LlmChat AskUntilChat(string text, string id = "m1")
    {
        Step(Message(id, "ada", text));
        var embed = Single<LlmEmbed>(Talk);
        Step(Vector(embed));
        return Single<LlmChat>(Talk);
    }

    public void Dispose() => Store.Dispose();
}
