using System.Reflection;

namespace Promethean.Discord.Loopback;

/// <summary>
/// The bundled demo history: a day in three channels of a small software team's server (DiscordChatExporter JSON,
/// embedded), with technical talk worth remembering, duplicates, gateway re-deliveries, a status bot's spam and
/// questions to the agent ("Duck, ...", "!remember ..."). See docs/discord.md for how it was made.
/// </summary>
public static class DemoHistory
{
    private const string Prefix = "Promethean.Discord.Loopback.History.";

    /// <summary>The embedded export files, one per channel, e.g. <c>general.json</c>.</summary>
    public static IReadOnlyList<string> FileNames =>
        [.. typeof(DemoHistory).Assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
            .Select(n => n[Prefix.Length..]).Order(StringComparer.Ordinal)];

    /// <summary>The messages of all channels in delivery order with their timestamps.</summary>
    public static ChannelHistory Load() => ChannelHistory.FromExports(FileNames.Select(f => (f, Read(f))));

    /// <summary>Writes the export files into <paramref name="directory"/> (for <c>promethean ingest</c>); returns their paths.</summary>
    public static IReadOnlyList<string> ExportTo(string directory)
    {
        Directory.CreateDirectory(directory);
        var paths = new List<string>();
        foreach (var name in FileNames)
        {
            var path = Path.Combine(directory, name);
            File.WriteAllBytes(path, Read(name));
            paths.Add(path);
        }
        return paths;
    }

    private static byte[] Read(string name)
    {
        using var stream = typeof(DemoHistory).Assembly.GetManifestResourceStream(Prefix + name)
            ?? throw new InvalidOperationException($"the demo history resource {name} is missing from {Assembly.GetExecutingAssembly().GetName().Name}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
