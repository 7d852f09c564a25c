using SaeExplorer.Core.Fingerprints;

namespace SaeExplorer.Web.Infrastructure;

/// <summary>
/// Which files the dashboard may open: only under the data directory and the configured roots, judged on real paths
/// (every symlink resolved, in the roots and in the path), so a link inside a root cannot lead outside it.
/// </summary>
public sealed class PathPolicy(IReadOnlyList<string> roots)
{
    public IReadOnlyList<string> Roots { get; } = roots.Select(r => Path.TrimEndingDirectorySeparator(FileIdentity.RealPath(r))).Distinct().ToList();

    /// <summary>The real path, or an error naming the allowed roots (and how to add one); a path with control characters is refused.</summary>
    public string Resolve(string path, string what)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException($"give a path for the {what}.");
        path = path.Trim();
        if (path.Any(char.IsControl))
            throw new ArgumentException($"the {what} path contains a control character (such as NUL or a line break); type or paste the path again.");
        var full = FileIdentity.RealPath(path);
        if (!Roots.Any(root => full == root || full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            throw new UnauthorizedAccessException(
                $"{full} is outside the folders this dashboard may read ({string.Join(", ", Roots)}). " +
                $"Start it with --SaeExplorer:AllowedRoots:0=<folder> to allow another.");
        return full;
    }
}
