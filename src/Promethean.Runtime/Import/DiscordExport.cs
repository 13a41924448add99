using System.Globalization;
using System.Text;
using System.Text.Json;
using Promethean.Core.Events;
using Promethean.Core.Systems;

namespace Promethean.Runtime.Import;

/// <summary>What reading an export gave: messages in file order, and the problems met, each with a clear reason.</summary>
public sealed record DiscordExportRead(IReadOnlyList<DiscordMessageNew> Messages, IReadOnlyList<string> Problems);

/// <summary>
/// Reads DiscordChatExporter JSON (<c>guild</c>, <c>channel</c>, <c>messages[]</c> with <c>id</c>,
/// <c>timestamp</c>, <c>content</c>, <c>author{id,name,isBot}</c>, <c>attachments</c>, <c>embeds</c>)
/// into <c>discord.message/new</c> events. Never throws on bad input: invalid UTF-8 is decoded with
/// replacement characters, and so are escapes of unpaired UTF-16 surrogates, a malformed file or message becomes a problem line and is skipped.
/// Attachment names and embed titles are appended so attachment-only messages are not empty.
/// </summary>
public static class DiscordExport
{
    public static DiscordExportRead Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new([], [$"{path}: cannot read: {e.Message}"]);
        }
        return Parse(bytes, path);
    }

    public static DiscordExportRead Parse(byte[] bytes, string name)
    {
        _surrogatesReplaced = 0;
        var problems = new List<string>();
        var text = new UTF8Encoding(false, false).GetString(bytes);
        if (text.Contains('\uFFFD', StringComparison.Ordinal))
            problems.Add($"{name}: invalid UTF-8 replaced with U+FFFD");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            problems.Add($"{name}: not a DiscordChatExporter JSON file: {e.Message}");
            return new([], problems);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            {
                problems.Add($"{name}: not a DiscordChatExporter JSON file: no \"messages\" array");
                return new([], problems);
            }
            var channel = Str(root, "channel", "id");
            if (channel is null)
            {
                problems.Add($"{name}: no channel.id");
                return new([], problems);
            }
            var guild = Str(root, "guild", "id");
            var list = new List<DiscordMessageNew>();
            var index = 0;
            foreach (var m in messages.EnumerateArray())
            {
                index++;
                if (ToEvent(m, channel, guild) is { } e)
                    list.Add(e);
                else
                    problems.Add($"{name}: message #{index} skipped: missing id, timestamp or author");
            }
            if (_surrogatesReplaced > 0)
                problems.Add($"{name}: {_surrogatesReplaced} string(s) with unpaired UTF-16 surrogate escapes (not valid text); those replaced with U+FFFD");
            return new(list, problems);
        }
    }

    private static DiscordMessageNew? ToEvent(JsonElement m, string channel, string? guild)
    {
        if (m.ValueKind != JsonValueKind.Object)
            return null;
        var id = Str(m, "id");
        var author = m.TryGetProperty("author", out var a) && a.ValueKind == JsonValueKind.Object ? a : default;
        var authorId = author.ValueKind == JsonValueKind.Object ? Str(author, "id") : null;
        if (id is null || authorId is null || Str(m, "timestamp") is not { } stamp
            || !DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var ts))
            return null;
        var content = new StringBuilder(Str(m, "content") ?? "");
        if (m.TryGetProperty("attachments", out var atts) && atts.ValueKind == JsonValueKind.Array)
        {
            foreach (var att in atts.EnumerateArray())
            {
                if (att.ValueKind == JsonValueKind.Object && Str(att, "fileName") is { } file)
                    content.Append(content.Length > 0 ? "\n" : "").Append("[attachment] ").Append(file);
            }
        }
        if (m.TryGetProperty("embeds", out var embeds) && embeds.ValueKind == JsonValueKind.Array)
        {
            foreach (var embed in embeds.EnumerateArray())
            {
                if (embed.ValueKind == JsonValueKind.Object && Str(embed, "title") is { Length: > 0 } title)
                    content.Append(content.Length > 0 ? "\n" : "").Append("[embed] ").Append(title);
            }
        }
        var isBot = author.TryGetProperty("isBot", out var bot) && bot.ValueKind == JsonValueKind.True;
        return new DiscordMessageNew(id, channel, guild, authorId, Str(author, "name") ?? "", isBot, content.ToString(), ts.ToUnixTimeMilliseconds());
    }

    private static string? Str(JsonElement e, params string[] path)
    {
        foreach (var p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e))
                return null;
        }
        return e.ValueKind switch
        {
            JsonValueKind.String => StringOf(e),
            JsonValueKind.Number => e.GetRawText(),
            _ => null,
        };
    }

    /// <summary>
    /// A JSON string's value. System.Text.Json refuses a <c>\uXXXX</c> escape of an unpaired surrogate (valid JSON, not
    /// valid UTF-16), which would fail the whole file. Such a string is unescaped here, and its unpaired surrogates
    /// become U+FFFD, as invalid UTF-8 does: an event must survive the journal's UTF-8 bytes unchanged, or replay
    /// would ingest something else. Counted in <see cref="_surrogatesReplaced"/> for the problem lines.
    /// </summary>
    private static string StringOf(JsonElement e)
    {
        try
        {
            return e.GetString()!;
        }
        catch (InvalidOperationException)
        {
            _surrogatesReplaced++;
            return TextNormalizer.ReplaceUnpairedSurrogates(UnescapeAsWritten(e.GetRawText()));
        }
    }

    /// <summary>Strings of the file being parsed (on this thread) whose unpaired surrogate escapes became U+FFFD.</summary>
    [ThreadStatic]
    private static int _surrogatesReplaced;

    private static string UnescapeAsWritten(string quoted)
    {
        var sb = new StringBuilder(quoted.Length);
        for (var i = 1; i < quoted.Length - 1; i++)
        {
            var c = quoted[i];
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            c = quoted[++i];
            sb.Append(c switch
            {
                'b' => '\b',
                'f' => '\f',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'u' => (char)int.Parse(quoted.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                _ => c, // \" \\ \/
            });
            if (c == 'u')
                i += 4;
        }
        return sb.ToString();
    }
}
