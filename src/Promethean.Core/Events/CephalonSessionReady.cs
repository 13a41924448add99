
namespace Promethean.Core.Events;

/// <summary>A session has queued work and may be scheduled (seed 3.2).</summary>
[TypeName("cephalon/session.ready")]
public sealed record CephalonSessionReady(EntityId Session, string SessionName) : Event;
