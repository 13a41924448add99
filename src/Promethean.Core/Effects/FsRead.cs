namespace Promethean.Core.Effects;

/// <summary>Read a text file inside the configured roots; answered by <c>fs/read.result</c>.</summary>
[TypeName("fs/read")]
public sealed record FsRead(string Path) : Effect;
