namespace Promethean.Core.Retrieval;

/// <summary>A retrieval hit with the memory it names, as the ranking read it (callers need not read it again).</summary>
public sealed record RetrievedMemory(RetrievalHit Hit, Memory Memory);
