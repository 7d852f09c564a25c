using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using SaeExplorer.Tests;

namespace SaeExplorer.Web.Tests.Browser;

/// <summary>
/// The built dashboard (src/SaeExplorer.Web's output for this configuration) started as its own process on a free
/// loopback port with a fresh data directory, so it creates the demo model exactly as on a user's first start.
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly TempDirectory _data;

    private DashboardServer(Process process, TempDirectory data, string baseUrl)
    {
        _process = process;
        _data = data;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }
    public string DataDirectory => _data.Path;

    /// <summary>What the app wrote to stdout and stderr so far (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    public static string ExecutablePath
    {
        get
        {
            // The test binary sits in tests/SaeExplorer.Web.Tests/bin/<Configuration>/net10.0/<rid>/; the app is built into
            // the matching folder of src/SaeExplorer.Web.
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var path = Path.Combine(FixturePaths.RepoRoot, "src", "SaeExplorer.Web", "bin", testBin.Parent!.Parent!.Name, testBin.Parent.Name, testBin.Name, "SaeExplorer.Web");
            if (!File.Exists(path))
                throw new FileNotFoundException($"the dashboard was not built at {path}", path);
            return path;
        }
    }

    public static Task<DashboardServer> StartAsync(TimeSpan? readyTimeout = null, params string[] extraArgs) =>
        StartAsync(_ => { }, readyTimeout, extraArgs);

    /// <summary>A dashboard whose data directory <paramref name="prepare"/> filled first (e.g. a store with judged runs).</summary>
    public static Task<DashboardServer> StartAsync(Action<string> prepare, TimeSpan? readyTimeout = null, params string[] extraArgs) =>
        StartAsync(prepare, new Dictionary<string, string>(), readyTimeout, extraArgs);

    /// <summary>The same, with <paramref name="environment"/> set for the dashboard's process alone (e.g. a judge's API key).</summary>
    public static Task<DashboardServer> StartAsync(Action<string> prepare, IReadOnlyDictionary<string, string> environment, TimeSpan? readyTimeout = null,
        params string[] extraArgs) =>
        StartAsync(data =>
        {
            prepare(data);
            return Task.CompletedTask;
        }, environment, readyTimeout, extraArgs);

    /// <summary>The same, awaiting <paramref name="prepare"/> (e.g. one that loads the demo model to choose what to seed).</summary>
    public static async Task<DashboardServer> StartAsync(Func<string, Task> prepare, IReadOnlyDictionary<string, string> environment, TimeSpan? readyTimeout = null,
        params string[] extraArgs)
    {
        var data = new TempDirectory();
        await prepare(data.Path);
        string url = $"http://127.0.0.1:{FreePort()}";
        var start = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(ExecutablePath)!,
        };
        foreach (var arg in (string[])["--urls", url, $"--SaeExplorer:DataDirectory={data.Path}", .. extraArgs])
            start.ArgumentList.Add(arg);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the dashboard");
        var server = new DashboardServer(process, data, url);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilReadyAsync(readyTimeout ?? TimeSpan.FromSeconds(180));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_log)
            _log.AppendLine(line);
    }

    /// <summary>Polls /healthz until the model is loaded (the first start creates the demo model).</summary>
    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        string last = "no answer";
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"the dashboard exited with code {_process.ExitCode}:\n{Log}");
            try
            {
                // Not-ready answers come with a 503 status and a body saying why.
                using var response = await http.GetAsync(BaseUrl + "/healthz");
                using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                last = doc.RootElement.GetProperty("state").GetString() + ": " + doc.RootElement.GetProperty("message").GetString();
                if (doc.RootElement.GetProperty("state").GetString() == "store-unavailable")
                    throw new InvalidOperationException($"the dashboard's store is unavailable: {doc.RootElement.GetProperty("message").GetString()}");
                if (doc.RootElement.GetProperty("state").GetString() == "ready")
                    return;
                if (doc.RootElement.GetProperty("state").GetString() == "failed")
                    throw new InvalidOperationException($"the dashboard's model failed to load: {last}\n{Log}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"the dashboard was not ready after {timeout.TotalSeconds:F0} s (last status: {last}):\n{Log}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _data.Dispose();
    }
}
