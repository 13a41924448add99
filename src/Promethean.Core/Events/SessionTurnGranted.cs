namespace Promethean.Core.Events;

/// <summary>The scheduler gave a session a turn this tick; cephalon.step assembles context and calls the model.</summary>
[TypeName("session/turn.granted")]
public sealed record SessionTurnGranted(EntityId Session, string SessionName, long Visit) : Event;
