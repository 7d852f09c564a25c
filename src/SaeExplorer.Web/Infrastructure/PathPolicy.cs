namespace SaeExplorer.Web.Infrastructure;

/// <summary>Which files the dashboard may open: only under the data directory and the configured roots.</summary>
public sealed class PathPolicy(IReadOnlyList<string> roots)
{
    public IReadOnlyList<string> Roots { get; } = roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).Distinct().ToList();

    /// <summary>The full path, or an error naming the allowed roots (and how to add one).</summary>
    public string Resolve(string path, string what)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException($"give a path for the {what}.");
        var full = Path.GetFullPath(path.Trim());
        if (!Roots.Any(root => full == root || full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            throw new UnauthorizedAccessException(
                $"{full} is outside the folders this dashboard may read ({string.Join(", ", Roots)}). " +
                $"Start it with --SaeExplorer:AllowedRoots:0=<folder> to allow another.");
        return full;
    }
}
