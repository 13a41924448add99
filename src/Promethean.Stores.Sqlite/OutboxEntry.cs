using Promethean.Core.Effects;

namespace Promethean.Stores.Sqlite;

/// <summary>An external effect waiting for its outcome event to be committed.</summary>
public sealed record OutboxEntry(string EffectId, long Tick, Effect Effect);
