namespace Promethean.Core.Context;

/// <summary>A memory offered to a context section: its id, the line shown to the model, its content hash and retrieval score.</summary>
public sealed record ContextItem(string MemoryId, string Line, string ContentHash, double Score);
