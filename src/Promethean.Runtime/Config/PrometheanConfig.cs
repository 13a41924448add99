namespace Promethean.Runtime.Config;

/// <summary>The whole configuration: JSON file plus <c>PROMETHEAN__Section__Key</c> environment overrides.</summary>
public sealed class PrometheanConfig
{
    public EngineOptions Engine { get; set; } = new();
    public FsConfig Fs { get; set; } = new();
    public DiscordConfig Discord { get; set; } = new();
    public MemoryConfig Memory { get; set; } = new();
    public SentinelConfig Sentinel { get; set; } = new();

    /// <summary>Timers by name; each fires <c>timer/tick</c> at its cadence.</summary>
    public Dictionary<string, TimerConfig> Timers { get; set; } = [];

    /// <summary>Cephalons and their sessions. Empty means the built-in default cephalon "Duck".</summary>
    public List<CephalonConfig> Cephalons { get; set; } = [];

    /// <summary>LLM endpoints by name; by default the offline <c>builtin</c> chat and <c>local</c> embeddings.</summary>
    public LlmConfig Llm { get; set; } = new();

    public TelemetryConfig Telemetry { get; set; } = new();
}

/// <summary>File roots the effects may touch, and what the watcher follows.</summary>
public sealed class FsConfig
{
    /// <summary>Relative paths in effects and events resolve against this directory.</summary>
    public string BaseDirectory { get; set; } = ".";

    /// <summary>Folders file effects may read and write; nothing outside them.</summary>
    public List<string> Roots { get; set; } = [];

    /// <summary>Folders the watcher follows (each must be inside a root). Empty: the roots.</summary>
    public List<string> Watch { get; set; } = [];

    public List<string> Extensions { get; set; } = [];

    /// <summary>Seconds between full rescans that catch events the OS watcher dropped.</summary>
    public double RescanSeconds { get; set; } = 30;

    public long MaxFileBytes { get; set; } = 4 * 1024 * 1024;
}

public sealed class TimerConfig
{
    public double EverySeconds { get; set; } = 3600;
}

public sealed class CephalonConfig
{
    public string Name { get; set; } = "";
    public string Model { get; set; } = "builtin";
    public int ContextWindowTokens { get; set; } = 8192;

    /// <summary>Longest answer asked of the model per call.</summary>
    public int MaxOutputTokens { get; set; } = 1024;

    /// <summary>LLM calls in flight at once across this cephalon's sessions.</summary>
    public int MaxLlmCallsInFlight { get; set; } = 4;
    public List<SessionConfig> Sessions { get; set; } = [];
}

public sealed class SessionConfig
{
    public const string JanitorRole = "janitor";

    public string Name { get; set; } = "";
    public string Circuit { get; set; } = "c1-survival";
    public string Focus { get; set; } = "";

    /// <summary>Discord channel ids delivered to this session; "*" for every channel.</summary>
    public List<string> Channels { get; set; } = [];

    /// <summary>Event types always delivered (hard subscriptions), e.g. <c>timer/tick</c>.</summary>
    public List<string> EventTypes { get; set; } = [];

    /// <summary>Soft subscriptions: weight per tag (<c>rust</c>) or nexus key (<c>tag:rust</c>, <c>author:ID</c>) of a message.</summary>
    public Dictionary<string, double> Soft { get; set; } = new(StringComparer.Ordinal);

    /// <summary>A message is delivered when the weights of the soft predicates it matches add up to this.</summary>
    public double SoftThreshold { get; set; } = 1.0;

    public int QueueCapacity { get; set; } = 256;

    /// <summary>Share of LLM turns under contention, relative to the other sessions of the cephalon.</summary>
    public int Weight { get; set; } = 1;

    /// <summary><c>janitor</c> makes this session write the periodic report; empty for an ordinary session.</summary>
    public string Role { get; set; } = "";

    /// <summary>System prompt; empty uses the circuit's default prompt.</summary>
    public string Prompt { get; set; } = "";

    /// <summary>Tools the model may call: memory_search, memory_pin, memory_unpin, read_file, discord_send.</summary>
    public List<string> Tools { get; set; } = [];

    /// <summary>LLM endpoint by name (see Llm:Endpoints); empty uses Llm:SessionEndpoints or the default.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>Model; empty uses the cephalon's.</summary>
    public string Model { get; set; } = "";

    /// <summary>Least seconds between two turns; unset uses the circuit's cadence (45 s for c1 .. 120 min for c8).</summary>
    public double? CadenceSeconds { get; set; }

    /// <summary>Whether the session's answers are posted to Discord (by default only the conversational one speaks).</summary>
    public bool Speaks { get; set; }

    /// <summary>Discord channel for reports (janitor); empty posts nowhere.</summary>
    public string ReportChannel { get; set; } = "";

    /// <summary>Folder for report files (janitor), added to the file roots.</summary>
    public string ReportDirectory { get; set; } = "";

    public int MaxToolRounds { get; set; } = 3;

    public int RecentCapacity { get; set; } = 32;

    /// <summary>Memory ids pinned from the start (persistent context).</summary>
    public List<string> Pins { get; set; } = [];

    public int LlmCallsPerMinute { get; set; } = 6;
    public int TokensPerMinute { get; set; } = 40_000;
    public int TokensPerDay { get; set; } = 1_000_000;
    public int ToolCallsPerTurn { get; set; } = 4;
}
