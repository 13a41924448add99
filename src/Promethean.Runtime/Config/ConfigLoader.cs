using Microsoft.Extensions.Configuration;
using Promethean.Core.Cephalons;

namespace Promethean.Runtime.Config;

/// <summary>A configuration problem, named by key; the CLI exits with code 2.</summary>
public sealed class ConfigException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Loads, binds and validates configuration; unknown keys and bad values are errors naming the key.</summary>
public static class ConfigLoader
{
    public const string EnvironmentPrefix = "PROMETHEAN__";

    public static PrometheanConfig Load(string? jsonPath, IDictionary<string, string?>? overrides = null)
    {
        var builder = new ConfigurationBuilder();
        if (jsonPath is not null)
        {
            if (!File.Exists(jsonPath))
                throw new ConfigException($"config file not found: {jsonPath}");
            builder.AddJsonFile(Path.GetFullPath(jsonPath), optional: false);
        }
        builder.AddEnvironmentVariables(EnvironmentPrefix);
        if (overrides is not null)
            builder.AddInMemoryCollection(overrides);

        IConfigurationRoot root;
        try
        {
            root = builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            throw new ConfigException($"config file {jsonPath} is not valid JSON: {e.InnerException?.Message ?? e.Message}", e);
        }

        var config = new PrometheanConfig();
        try
        {
            root.Bind(config, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            throw new ConfigException($"invalid configuration: {e.Message}", e);
        }
        ApplyDefaults(config);
        var errors = Validate(config).ToList();
        if (errors.Count > 0)
            throw new ConfigException("invalid configuration: " + string.Join("; ", errors));
        return config;
    }

    private static void ApplyDefaults(PrometheanConfig config)
    {
        if (config.Fs.Roots.Count == 0)
            config.Fs.Roots.Add("docs/notes");
        if (config.Fs.Watch.Count == 0)
            config.Fs.Watch.AddRange(config.Fs.Roots);
        if (config.Fs.Extensions.Count == 0)
            config.Fs.Extensions.AddRange([".md", ".txt"]);
        if (config.Timers.Count == 0)
            config.Timers["janitor"] = new TimerConfig { EverySeconds = 3600 };
        if (config.Cephalons.Count == 0)
        {
            config.Cephalons.Add(new CephalonConfig
            {
                Name = "Duck",
                Sessions =
                [
                    new SessionConfig
                    {
                        Name = "janitor", Circuit = "c1-survival", Focus = "upkeep", Role = SessionConfig.JanitorRole,
                        EventTypes = ["timer/tick", "janitor/report.requested"], CadenceSeconds = 0, ReportDirectory = "reports",
                        Tools = ["memory_search"],
                    },
                    new SessionConfig
                    {
                        Name = "c3-symbolic", Circuit = "c3-symbolic", Focus = "conversation", Channels = ["*"], Speaks = true,
                        CadenceSeconds = 0, Weight = 3,
                        Tools = ["memory_search", "memory_pin", "memory_unpin", "read_file", "discord_send"],
                    },
                ],
            });
        }
        // Report folders are written to, so they are file roots; they are not watched (reports are memories already).
        foreach (var dir in config.Cephalons.SelectMany(c => c.Sessions).Select(s => s.ReportDirectory).Where(d => d.Length > 0).Distinct(StringComparer.Ordinal))
        {
            if (!config.Fs.Roots.Contains(dir, StringComparer.Ordinal))
                config.Fs.Roots.Add(dir);
        }
    }

    public static IEnumerable<string> Validate(PrometheanConfig c)
    {
        if (c.Engine.MaxBatch < 1)
            yield return "Engine:MaxBatch must be at least 1";
        if (c.Engine.InboundCapacity < c.Engine.MaxBatch)
            yield return "Engine:InboundCapacity must be at least Engine:MaxBatch";
        if (c.Engine.MaxInFlightPerType < 1)
            yield return "Engine:MaxInFlightPerType must be at least 1";
        if (c.Engine.EffectTimeoutSeconds <= 0)
            yield return "Engine:EffectTimeoutSeconds must be positive";
        if (c.Engine.SnapshotEveryTicks < 0)
            yield return "Engine:SnapshotEveryTicks must not be negative";
        if (c.Engine.ScriptGroupTicks < 1)
            yield return "Engine:ScriptGroupTicks must be at least 1 (1 commits every tick alone)";
        if (c.Engine.ScriptGroupMilliseconds < 0)
            yield return "Engine:ScriptGroupMilliseconds must not be negative";
        if (c.Engine.CollectBetweenTicksMegabytes < 0)
            yield return "Engine:CollectBetweenTicksMegabytes must not be negative (0 leaves collections to the runtime)";
        if (c.Fs.MaxFileBytes < 1)
            yield return "Fs:MaxFileBytes must be positive";
        if (c.Fs.RescanSeconds <= 0)
            yield return "Fs:RescanSeconds must be positive";
        foreach (var error in ValidateDiscord(c.Discord))
            yield return error;
        foreach (var error in c.Memory.Validate())
            yield return error;
        foreach (var error in c.Sentinel.Errors())
            yield return error;
        foreach (var error in LlmConfig.Validate(c.Llm))
            yield return error;
        if (c.Telemetry.Protocol is not ("http/protobuf" or "grpc"))
            yield return "Telemetry:Protocol must be http/protobuf or grpc";
        if (c.Telemetry.ExportIntervalSeconds <= 0)
            yield return "Telemetry:ExportIntervalSeconds must be positive";
        if (c.Telemetry.Enabled && !Uri.TryCreate(c.Telemetry.OtlpEndpoint, UriKind.Absolute, out _))
            yield return "Telemetry:OtlpEndpoint must be an absolute URI";
        foreach (var (name, timer) in c.Timers)
        {
            if (timer.EverySeconds <= 0)
                yield return $"Timers:{name}:EverySeconds must be positive";
        }
        for (var i = 0; i < c.Cephalons.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(c.Cephalons[i].Name))
                yield return $"Cephalons:{i}:Name must not be empty";
            if (c.Cephalons[i].MaxLlmCallsInFlight < 1)
                yield return $"Cephalons:{i}:MaxLlmCallsInFlight must be at least 1";
            for (var j = 0; j < c.Cephalons[i].Sessions.Count; j++)
            {
                if (string.IsNullOrWhiteSpace(c.Cephalons[i].Sessions[j].Name))
                    yield return $"Cephalons:{i}:Sessions:{j}:Name must not be empty";
                if (c.Cephalons[i].Sessions[j].Weight < 1)
                    yield return $"Cephalons:{i}:Sessions:{j}:Weight must be at least 1";
                var s = c.Cephalons[i].Sessions[j];
                var key = $"Cephalons:{i}:Sessions:{j}";
                if (s.QueueCapacity < 1)
                    yield return $"{key}:QueueCapacity must be at least 1";
                if (s.RecentCapacity < 1)
                    yield return $"{key}:RecentCapacity must be at least 1";
                if (s.SoftThreshold <= 0 || s.Soft.Values.Any(w => double.IsNaN(w) || double.IsInfinity(w)))
                    yield return $"{key}: SoftThreshold must be positive and Soft weights finite numbers";
                if (s.MaxToolRounds < 1)
                    yield return $"{key}:MaxToolRounds must be at least 1";
                if (s.CadenceSeconds is < 0)
                    yield return $"{key}:CadenceSeconds must not be negative";
                if (s.Role is not ("" or SessionConfig.JanitorRole))
                    yield return $"{key}:Role must be empty or '{SessionConfig.JanitorRole}'";
                if (!Circuits.Exists(s.Circuit))
                    yield return $"{key}:Circuit '{s.Circuit}' is not one of {string.Join(", ", Circuits.All.Select(x => x.Name))}";
                foreach (var tool in s.Tools.Where(t => !CephalonTools.Specs.ContainsKey(t)))
                    yield return $"{key}:Tools: '{tool}' is not one of {string.Join(", ", CephalonTools.Specs.Keys)}";
                if (s.LlmCallsPerMinute < 1 || s.TokensPerMinute < 1 || s.TokensPerDay < 1 || s.ToolCallsPerTurn < 0)
                    yield return $"{key}: budgets must be positive (LlmCallsPerMinute, TokensPerMinute, TokensPerDay; ToolCallsPerTurn may be 0)";
                if (s.Endpoint.Length > 0 && !c.Llm.ResolvedEndpoints().ContainsKey(s.Endpoint))
                    yield return $"{key}:Endpoint names an unknown endpoint '{s.Endpoint}'";
            }
        }
    }

    private static IEnumerable<string> ValidateDiscord(DiscordConfig d)
    {
        if (string.IsNullOrWhiteSpace(d.TokenEnvironmentVariable))
            yield return "Discord:TokenEnvironmentVariable must name an environment variable";
        if (!Uri.TryCreate(d.RestBaseUrl, UriKind.Absolute, out _))
            yield return "Discord:RestBaseUrl must be an absolute URL";
        if (d.GatewayUrl.Length > 0 && !Uri.TryCreate(d.GatewayUrl, UriKind.Absolute, out _))
            yield return "Discord:GatewayUrl must be an absolute URL or empty";
        foreach (var m in d.AllowedMentions.Where(m => m is not ("users" or "roles" or "everyone")))
            yield return $"Discord:AllowedMentions: '{m}' is not one of users, roles, everyone";
        foreach (var c in d.Channels.Where(c => !ulong.TryParse(c, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)))
            yield return $"Discord:Channels: '{c}' is not a channel id";
    }
}
