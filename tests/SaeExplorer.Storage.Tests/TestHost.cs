using System.Collections.Concurrent;
using System.Diagnostics;
using SaeExplorer.Tests;

namespace SaeExplorer.Storage.Tests;

/// <summary>
/// The built SaeExplorer.Storage.TestHost as a real second process (same configuration as these tests), with its
/// stdout read line by line as it comes.
/// </summary>
internal sealed class TestHost : IDisposable
{
    private static readonly Lazy<string> Executable = new(() =>
    {
        // The test binary sits in tests/SaeExplorer.Storage.Tests/bin/<Configuration>/net10.0/<rid>/; the host is built
        // into the matching folder of tests/SaeExplorer.Storage.TestHost.
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var rid = testBin.Name;
        var tfm = testBin.Parent!.Name;
        var configuration = testBin.Parent.Parent!.Name;
        var path = Path.Combine(FixturePaths.RepoRoot, "tests", "SaeExplorer.Storage.TestHost", "bin", configuration, tfm, rid, "SaeExplorer.Storage.TestHost");
        if (!File.Exists(path))
            throw new FileNotFoundException($"the storage test host was not built at {path}");
        return path;
    });

    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = new();

    private TestHost(Process process)
    {
        _process = process;
        // A dedicated thread, not BeginOutputReadLine: its callbacks need a thread-pool thread, and with xunit's
        // parallel tests blocking the pool on two cores, lines arrived seconds late — the kill then came too late.
        var reader = new Thread(() =>
        {
            while (_process.StandardOutput.ReadLine() is { } line)
                _lines.Add(line);
            _lines.CompleteAdding();
        })
        {
            IsBackground = true,
            Name = $"test host {process.Id} stdout",
        };
        reader.Start();
    }

    public int Id => _process.Id;

    public static TestHost Start(params string[] args) => Start(Executable.Value, args);

    /// <summary>
    /// The host under a file-size limit (RLIMIT_FSIZE, as bash's <c>ulimit -f</c>): a write past it fails with EFBIG,
    /// the same path through the store as a full disk, without needing a small file system. SIGXFSZ, which would kill
    /// the process instead, is ignored (an ignored signal stays ignored across exec).
    /// </summary>
    public static TestHost StartWithFileSizeLimit(int kibibytes, params string[] args) =>
        Start("/bin/bash", ["-c", "export DOTNET_EnableWriteXorExecute=0; trap '' XFSZ; ulimit -f \"$0\"; exec \"$@\"", kibibytes.ToString(), Executable.Value, .. args]);

    private static TestHost Start(string executable, string[] args)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        return new TestHost(Process.Start(start)!);
    }

    /// <summary>The next stdout line, or null at end of output; fails the test after <paramref name="timeout"/>.</summary>
    public string? ReadLine(TimeSpan timeout)
    {
        if (_lines.TryTake(out var line, timeout))
            return line;
        if (_lines.IsCompleted)
            return null;
        throw new TimeoutException($"test host {Id} printed nothing for {timeout.TotalSeconds} s");
    }

    /// <summary>SIGKILL: no finally blocks, no Dispose, no LiteDB checkpoint.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>Closes stdin (a holding host then exits) and waits for the exit code.</summary>
    public int CloseInputAndWait()
    {
        _process.StandardInput.Close();
        return WaitForExit();
    }

    public int WaitForExit()
    {
        if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
            throw new TimeoutException($"test host {Id} did not exit in 30 s");
        return _process.ExitCode;
    }

    /// <summary>Everything still unread on stdout, up to its end; call after the process has exited.</summary>
    public List<string> RemainingLines() => [.. _lines.GetConsumingEnumerable()];

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
        _lines.Dispose();
    }
}
