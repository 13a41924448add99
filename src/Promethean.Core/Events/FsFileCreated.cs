
namespace Promethean.Core.Events;

/// <summary>A file appeared under a watched root (seed 3.1).</summary>
[TypeName("fs.file/created")]
public sealed record FsFileCreated(string Path, string ContentHash, long Size) : Event;
