using System.Collections.Immutable;

namespace Promethean.Core.Events;

/// <summary>Pinned memories did not fit a session's window and were left out of this call: said out loud, never silent.</summary>
[TypeName("cephalon/context.overflow")]
public sealed record ContextOverflow(EntityId Session, string SessionName, ImmutableArray<string> DroppedPersistent) : Event;
