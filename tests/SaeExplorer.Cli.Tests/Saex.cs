using System.Diagnostics;
using SaeExplorer.Tests;

namespace SaeExplorer.Cli.Tests;

/// <summary>Runs the built <c>saex</c> executable (same configuration as these tests) and captures its output.</summary>
internal static class Saex
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    private static readonly Lazy<string> Executable = new(() =>
    {
        // The test binary sits in tests/SaeExplorer.Cli.Tests/bin/<Configuration>/net10.0/<rid>/; saex is built into the
        // matching folder of src/SaeExplorer.Cli.
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var rid = testBin.Name;
        var tfm = testBin.Parent!.Name;
        var configuration = testBin.Parent.Parent!.Name;
        var path = Path.Combine(FixturePaths.RepoRoot, "src", "SaeExplorer.Cli", "bin", configuration, tfm, rid, "saex");
        if (!File.Exists(path))
            throw new FileNotFoundException($"saex was not built at {path}");
        return path;
    });

    public static string ExecutablePath => Executable.Value;

    public static Result Run(params string[] args)
    {
        var start = new ProcessStartInfo(Executable.Value)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"saex {string.Join(' ', args)} did not finish in 2 minutes");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Asserts a refusal: non-zero exit, and a "saex ...: error:" line that mentions each expected fragment.</summary>
    public static void AssertRefused(Result result, params string[] fragments)
    {
        Assert.NotEqual(0, result.ExitCode);
        var errorLine = result.StdErr.Split('\n').SingleOrDefault(l => l.StartsWith("saex ") && l.Contains(": error: "));
        Assert.True(errorLine is not null, $"expected one 'saex ...: error:' line on stderr, got:\n{result.StdErr}");
        foreach (var f in fragments)
            Assert.Contains(f, errorLine);
    }
}
