namespace SaeExplorer.Tests;

/// <summary>Locates <c>tests/fixtures</c> from the test binary, so tests run from any clone location.</summary>
internal static class FixturePaths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SaeExplorer.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException($"SaeExplorer.sln not found above {AppContext.BaseDirectory}");
    });

    public static string RepoRoot => Root.Value;
    public static string Fixtures => Path.Combine(RepoRoot, "tests", "fixtures");
    public static string TinyModel => Path.Combine(Fixtures, "tiny-llama3");
    public static string Golden => Path.Combine(Fixtures, "tiny-llama3-golden");
    public static string GoldenCapture => Path.Combine(Golden, "golden_capture.safetensors");
    public static string GoldenCaptureJson => Path.Combine(Golden, "golden_capture.json");

    /// <summary>A fresh empty directory under the system temp folder, removed by the caller's <c>using</c>.</summary>
    public static TempDirectory NewTempDirectory() => new();
}

internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "saex-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Copy(string sourceDirectory, string name)
    {
        var target = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(sourceDirectory))
        {
            var dest = System.IO.Path.Combine(target, System.IO.Path.GetFileName(file));
            File.Copy(file, dest);
            File.SetAttributes(dest, FileAttributes.Normal);
        }
        return target;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
