using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace Promethean.Core.Sentinels;

/// <summary>Matches relative, forward-slash paths against globs: <c>**</c> any folders, <c>*</c> and <c>?</c> within one name.</summary>
public static class PathGlob
{
    private static readonly ConcurrentDictionary<string, Regex> Cache = new(StringComparer.Ordinal);

    public static bool Matches(string glob, string path) => Cache.GetOrAdd(glob, ToRegex).IsMatch(path.Replace('\\', '/'));

    public static Regex ToRegex(string glob)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                var slash = i + 2 < glob.Length && glob[i + 2] == '/';
                sb.Append(slash ? "(?:[^/]+/)*" : ".*");
                i += slash ? 2 : 1;
            }
            else if (c == '*')
            {
                sb.Append("[^/]*");
            }
            else if (c == '?')
            {
                sb.Append("[^/]");
            }
            else
            {
                sb.Append(Regex.Escape(c.ToString()));
            }
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
