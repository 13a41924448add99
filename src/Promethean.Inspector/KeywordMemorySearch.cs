using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Promethean.Core.Serialization;

namespace Promethean.Inspector;

/// <summary>
/// Keyword search over the memory store's text through its own read-only SQLite connection (the
/// tick loop's connection is never touched). Score = keyword (share of query terms found) + tags
/// (share of terms that are also tags, half weight) + recency (newer memories first, a tenth).
/// </summary>
public sealed class KeywordMemorySearch(string databasePath) : IMemorySearch
{
    private const int MaxTerms = 8;
    private const int Candidates = 500;

    public string Engine => "keyword (SQLite LIKE)";

    public IReadOnlyList<MemoryHit> Search(string query, int limit)
    {
        var terms = query.ToLowerInvariant()
            .Split((char[])[' ', '\t', '\n', ',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.Ordinal).Take(MaxTerms).ToList();
        if (terms.Count == 0 || limit <= 0)
            return [];

        using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        db.Open();
        using var cmd = db.CreateCommand();
        var where = new List<string>();
        for (var i = 0; i < terms.Count; i++)
        {
            where.Add($"lower(text) LIKE $t{i} ESCAPE '\\' OR lower(tags) LIKE $t{i} ESCAPE '\\'");
            cmd.Parameters.AddWithValue($"$t{i}", "%" + Escape(terms[i]) + "%");
        }
        cmd.CommandText = $"SELECT id, kind, text, created_ms, tags FROM memories WHERE {string.Join(" OR ", where)} ORDER BY created_ms DESC LIMIT {Candidates}";
        var rows = new List<(string Id, string Kind, string Text, long Created, ImmutableSortedSet<string> Tags)>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
                rows.Add((r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), CanonicalJson.Deserialize<ImmutableSortedSet<string>>(r.GetString(4))));
        }
        if (rows.Count == 0)
            return [];

        var newest = rows.Max(r => r.Created);
        var oldest = rows.Min(r => r.Created);
        return [.. rows
            .Select(r => Score(r.Id, r.Kind, r.Text, r.Created, r.Tags, terms, newest, oldest))
            .OrderByDescending(h => h.Score).ThenBy(h => h.Id, StringComparer.Ordinal)
            .Take(limit)];
    }

    private static MemoryHit Score(string id, string kind, string text, long created, ImmutableSortedSet<string> tags, List<string> terms, long newest, long oldest)
    {
        var lower = text.ToLowerInvariant();
        var keyword = (double)terms.Count(t => lower.Contains(t, StringComparison.Ordinal)) / terms.Count;
        var tagged = (double)terms.Count(t => tags.Any(tag => tag.Contains(t, StringComparison.OrdinalIgnoreCase))) / terms.Count * 0.5;
        var recency = newest == oldest ? 0.1 : 0.1 * (created - oldest) / (newest - oldest);
        var breakdown = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, double>
        {
            ["keyword"] = Math.Round(keyword, 4),
            ["tags"] = Math.Round(tagged, 4),
            ["recency"] = Math.Round(recency, 4),
        });
        return new MemoryHit(id, kind, text, created, tags, Math.Round(keyword + tagged + recency, 4), breakdown);
    }

    private static string Escape(string term) =>
        term.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal)
            .ToString(CultureInfo.InvariantCulture);
}
