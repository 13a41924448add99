
namespace Promethean.Core.Events;

/// <summary>A file under a watched root changed (seed 3.1).</summary>
[TypeName("fs.file/modified")]
public sealed record FsFileModified(string Path, string ContentHash, long Size) : Event;
