
namespace Promethean.Core.Events;

/// <summary>An embedding job finished, with or without success (seed 3.2).</summary>
[TypeName("embedding/job.done")]
public sealed record EmbeddingJobDone(EntityId Job, string JobType, string DedupeKey, bool Succeeded) : Event;
