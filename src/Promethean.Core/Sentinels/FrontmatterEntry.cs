namespace Promethean.Core.Sentinels;

/// <summary>A top-level frontmatter key, its value and the span of YAML text it occupies (key line through its value).</summary>
public sealed record FrontmatterEntry(string Key, FieldValue Value, int SpanStart, int SpanEnd);
