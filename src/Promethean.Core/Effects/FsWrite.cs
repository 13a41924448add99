namespace Promethean.Core.Effects;

/// <summary>
/// Replace a file inside the configured roots atomically (temp + rename). When <see cref="ExpectedHash"/>
/// is set the write happens only if the file still has that content hash. Answered by <c>fs/write.result</c>.
/// </summary>
[TypeName("fs/write")]
public sealed record FsWrite(string Path, string Content, string? ExpectedHash = null) : Effect;
