using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SaeExplorer.Demo;

/// <summary>Where <see cref="DemoModel.EnsureCreated"/> put the demo: a model directory, an SAE folder, and the layer the SAE reads.</summary>
public sealed record DemoModelPaths(string ModelDirectory, string SaePath, int Layer);

/// <summary>
/// A model and SAE the tool generates itself, so the dashboard works on a fresh machine without downloading
/// anything: a small Llama 3 architecture model with seeded random weights and the real Llama 3 tokenizer (embedded
/// in this assembly), and a ReLU SAE on its layer-2 residual stream calibrated to fire like a trained one. Both are
/// ordinary files that every loader reads as it reads a downloaded checkpoint. The model's files are identical on
/// every machine; the SAE's are identical on one machine but, calibrated by running the model in libtorch, may differ
/// in the last bits on a CPU with other vector instructions (see <see cref="DemoSae"/>).
/// </summary>
/// <remarks>
/// Layout: <c>model/</c> (Hugging Face Llama checkpoint), <c>sae/</c> (SAELens folder) and <c>demo.json</c>, the
/// marker naming version, seed and every file with its size. Everything is built in a hidden sibling folder and
/// renamed into place, so the demo directory either does not exist or is complete; of two processes creating it at
/// once, one rename wins and the other discards its copy. Only folders carrying our marker, and our own build and
/// discard folders, are ever deleted.
/// </remarks>
public static class DemoModel
{
    /// <summary>The decoder layer whose resid_post the SAE reads.</summary>
    public const int Layer = 2;

    /// <summary>Version of what is generated; a demo of another version is replaced. Raise it whenever the output changes.</summary>
    public const int Version = 1;

    /// <summary>The seed of the model's weights (the SAE's directions use <c>Seed + 1</c>).</summary>
    public const ulong Seed = 20_240_726;

    /// <summary>The marker written last into a finished demo directory; nothing without it is ever deleted.</summary>
    public const string MarkerFileName = "demo.json";
    private const string ModelFolder = "model";
    private const string SaeFolder = "sae";
    private const string MarkerKind = "saeexplorer-demo-model";
    private const string BuildInfix = ".demo-build-";
    private const string DiscardInfix = ".demo-discard-";

    /// <summary>
    /// Build and discard folders untouched this long belong to a process that died; a live creation finishes in
    /// seconds.
    /// </summary>
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromHours(1);

    /// <summary>
    /// Creates the demo model and SAE under <paramref name="directory"/>, or returns at once, touching nothing, if a
    /// complete demo of the current <see cref="Version"/> is already there. An empty or missing directory is filled;
    /// an older or damaged demo (one with our marker) is replaced.
    /// </summary>
    /// <exception cref="IOException"><paramref name="directory"/> is a file, or holds files that are not a demo model.</exception>
    public static DemoModelPaths EnsureCreated(string directory, IProgress<string>? progress = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        string parent = Path.GetDirectoryName(target)
            ?? throw new ArgumentException($"the demo model needs a folder of its own, not the root {target}.", nameof(directory));
        string name = Path.GetFileName(target);
        var paths = new DemoModelPaths(Path.Combine(target, ModelFolder), Path.Combine(target, SaeFolder), Layer);

        var state = Inspect(target);
        if (state.Kind == StateKind.Current)
            return paths;
        state.ThrowIfForeign(target);

        Directory.CreateDirectory(parent);
        RemoveAbandoned(parent, name);
        string build = Path.Combine(parent, $".{name}{BuildInfix}{Guid.NewGuid():N}");
        try
        {
            var clock = Stopwatch.StartNew();
            progress?.Report(state.Kind == StateKind.Stale ? $"replacing the demo model in {target}: {state.Reason}" : $"creating the demo model in {target}");
            Build(build, progress, ct);
            // Another process may be doing the same; each round re-reads the target and makes one atomic step.
            for (int round = 0; round < 8; round++)
            {
                ct.ThrowIfCancellationRequested();
                state = Inspect(target);
                switch (state.Kind)
                {
                    case StateKind.Current:
                        return paths;
                    case StateKind.Foreign:
                        state.ThrowIfForeign(target);
                        break;
                    case StateKind.Missing:
                        if (TryMove(build, target))
                        {
                            progress?.Report($"demo model ready in {target} ({clock.Elapsed.TotalSeconds:F1} s)");
                            return paths;
                        }
                        break;
                    case StateKind.Empty:
                        TryDeleteEmpty(target);
                        break;
                    case StateKind.Stale:
                        string discard = Path.Combine(parent, $".{name}{DiscardInfix}{Guid.NewGuid():N}");
                        if (TryMove(target, discard))
                            DeleteQuietly(discard);
                        break;
                }
            }
            throw new IOException($"could not put the demo model in place at {target}: the folder kept changing while it was being installed.");
        }
        finally
        {
            DeleteQuietly(build);
        }
    }

    private static void Build(string build, IProgress<string>? progress, CancellationToken ct)
    {
        string model = Path.Combine(build, ModelFolder);
        string sae = Path.Combine(build, SaeFolder);
        DemoCheckpoint.Write(model, Seed, progress, ct);
        ct.ThrowIfCancellationRequested();
        DemoSae.Write(sae, model, Layer, Seed, progress, ct);

        var files = new JsonObject();
        foreach (var file in Directory.GetFiles(build, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            files[Path.GetRelativePath(build, file).Replace('\\', '/')] = new FileInfo(file).Length;
        var assembly = typeof(DemoModel).Assembly;
        var marker = new JsonObject
        {
            ["kind"] = MarkerKind,
            ["version"] = Version,
            ["seed"] = Seed,
            ["layer"] = Layer,
            ["created_by"] = $"{assembly.GetName().Name} {assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion}",
            ["created_utc"] = DateTime.UtcNow.ToString("O"),
            ["files"] = files,
        };
        // Written last: a folder without it was never finished.
        DemoCheckpoint.WriteJson(Path.Combine(build, MarkerFileName), marker);
    }

    private enum StateKind { Missing, Empty, Current, Stale, Foreign }

    private sealed record State(StateKind Kind, string? Reason = null)
    {
        public void ThrowIfForeign(string target)
        {
            if (Kind == StateKind.Foreign)
                throw new IOException($"{target} {Reason}; the demo model needs an empty or new folder. Choose another location or empty this one.");
        }
    }

    private static State Inspect(string target)
    {
        if (File.Exists(target))
            return new State(StateKind.Foreign, "is a file, not a folder");
        if (!Directory.Exists(target))
            return new State(StateKind.Missing);
        if (!Directory.EnumerateFileSystemEntries(target).Any())
            return new State(StateKind.Empty);
        string markerPath = Path.Combine(target, MarkerFileName);
        if (!File.Exists(markerPath))
            return new State(StateKind.Foreign, $"already holds files that are not a SaeExplorer demo model (there is no {MarkerFileName})");

        JsonNode? marker;
        try
        {
            marker = JsonNode.Parse(File.ReadAllText(markerPath));
        }
        catch (JsonException)
        {
            marker = null;
        }
        if (marker is not JsonObject m || !(m["kind"] is JsonValue kind && kind.TryGetValue<string>(out var k) && k == MarkerKind))
            return new State(StateKind.Foreign, $"holds a {MarkerFileName} that SaeExplorer did not write");

        int? version = m["version"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : null;
        if (version != Version)
            return new State(StateKind.Stale, $"it is version {version?.ToString() ?? "?"}, this build makes version {Version}");
        if (!(m["seed"] is JsonValue s && s.TryGetValue<ulong>(out var seed) && seed == Seed))
            return new State(StateKind.Stale, $"it was not made with seed {Seed}");
        if (m["files"] is not JsonObject files || files.Count == 0)
            return new State(StateKind.Stale, $"its {MarkerFileName} lists no files");
        foreach (var (relative, size) in files)
        {
            var info = new FileInfo(Path.Combine(target, relative));
            if (!info.Exists)
                return new State(StateKind.Stale, $"{relative} is missing");
            if (!(size is JsonValue sv && sv.TryGetValue<long>(out var expected) && expected == info.Length))
                return new State(StateKind.Stale, $"{relative} has {info.Length} bytes, {MarkerFileName} says {size?.ToJsonString() ?? "nothing"}");
        }
        return new State(StateKind.Current);
    }

    /// <summary>Removes build and discard folders of this demo directory left by processes that died.</summary>
    private static void RemoveAbandoned(string parent, string name)
    {
        foreach (var infix in new[] { BuildInfix, DiscardInfix })
        {
            foreach (var dir in Directory.EnumerateDirectories(parent, $".{name}{infix}*"))
            {
                if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(dir) > AbandonedAfter)
                    DeleteQuietly(dir);
            }
        }
    }

    /// <summary>One atomic rename; false when the destination appeared or the source vanished meanwhile (another process acted first).</summary>
    private static bool TryMove(string source, string destination)
    {
        try
        {
            Directory.Move(source, destination);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (!Directory.Exists(source) || Directory.Exists(destination))
                return false;
            throw;
        }
    }

    /// <summary>Removes the target only while it is still empty (a non-recursive delete fails otherwise).</summary>
    private static void TryDeleteEmpty(string target)
    {
        try
        {
            Directory.Delete(target, recursive: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (Directory.Exists(target) && !Directory.EnumerateFileSystemEntries(target).Any())
                throw;
        }
    }

    private static void DeleteQuietly(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A folder that cannot be removed now (a file still open elsewhere) is retried by RemoveAbandoned later.
        }
    }
}
