
namespace Promethean.Core.Events;

/// <summary>An embedding job entered the queue (seed 3.2).</summary>
[TypeName("embedding/job.enqueued")]
public sealed record EmbeddingJobEnqueued(EntityId Job, string JobType, string DedupeKey) : Event;
