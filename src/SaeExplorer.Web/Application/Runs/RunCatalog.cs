using SaeExplorer.Core.Errors;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Live;
using SaeExplorer.Inference.Pipeline;
using SaeExplorer.Runs;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Storage;
using SaeExplorer.Web.Application.Models;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Application.Runs;

/// <summary>A run as pages show it: what, how far, and how it ended.</summary>
public sealed record RunSnapshot(
    string RunId,
    string ExperimentName,
    RunStatus Status,
    string Stage,
    int Done,
    int Total,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    int PromptCount,
    int ComputedCount,
    int CachedCount,
    string? Error,
    bool ResultInMemory,
    RunSetup Setup,
    string? NotOpenable = null)
{
    /// <summary>Whether the loaded model, SAE and layer are the run's, so it can be opened.</summary>
    public bool MatchesLoadedModel => NotOpenable is null;
}

/// <summary>
/// What a run read and how, to tell runs apart: the model and SAE (by folder or file name, or a short fingerprint for
/// runs recorded before their paths were kept), the layer, chat format, pooling, dtype and batch size, and where the
/// files were (so a run of another model can offer to load it).
/// </summary>
public sealed record RunSetup(string Model, string Sae, int Layer, string ChatFormat, PoolingMethod Pooling, string DType, int? BatchSize,
    string? ModelPath, string? SaePath)
{
    /// <summary>One line for a picker or a table: "demo model · SAE goodfire_l2.pt · layer 2 · Llama31 · last token · float32".</summary>
    public string Describe() =>
        $"{Model} · SAE {Sae} · layer {Layer} · {ChatFormat} · {Live.PoolingNames.Of(Pooling)} · {DType}" +
        (BatchSize is { } b ? $" · batch {b}" : "");

    public static RunSetup Of(RunRecord run, ModelInfo? loaded)
    {
        bool sameModel = loaded is not null && run.ModelFingerprint == loaded.ModelFingerprint;
        bool sameSae = loaded is not null && run.SaeFingerprint == loaded.SaeFingerprint;
        string model = sameModel && loaded!.Spec.IsDemo ? "demo model"
            : run.ModelPath is { } m ? Path.GetFileName(Path.TrimEndingDirectorySeparator(m))
            : sameModel ? Path.GetFileName(Path.TrimEndingDirectorySeparator(loaded!.Spec.Model.Directory))
            : "model " + Short(run.ModelFingerprint);
        string sae = run.SaePath is { } s ? Path.GetFileName(Path.TrimEndingDirectorySeparator(s))
            : sameSae ? Path.GetFileName(Path.TrimEndingDirectorySeparator(loaded!.Spec.Sae.Path))
            : Short(run.SaeFingerprint);
        return new RunSetup(model, sae, run.Layer, run.ChatFormat, run.Pooling, run.DType?.Name() ?? "dtype not recorded", run.BatchSize, run.ModelPath, run.SaePath);
    }

    /// <summary>Why a run cannot be opened with the model now loaded (null when it can): which of model, SAE and layer differ.</summary>
    public static string? WhyNotOpenable(RunRecord run, ModelInfo? loaded)
    {
        if (loaded is null)
            return "no model is loaded yet.";
        var differ = new List<string>();
        if (run.ModelFingerprint != loaded.ModelFingerprint)
            differ.Add("another model");
        if (run.SaeFingerprint != loaded.SaeFingerprint)
            differ.Add("another SAE");
        if (run.Layer != loaded.Spec.Layer)
            differ.Add($"layer {run.Layer} (layer {loaded.Spec.Layer} is loaded)");
        if (differ.Count == 0)
            return null;
        return $"made with {string.Join(" and ", differ)}: load its model, SAE and layer in Settings to open it.";
    }

    /// <summary>The start of a fingerprint's hash, enough to tell files apart by eye.</summary>
    private static string Short(string fingerprint)
    {
        string hash = fingerprint[(fingerprint.IndexOf(':') + 1)..];
        return hash.Length > 12 ? hash[..12] : hash;
    }
}

/// <summary>
/// A finished run's data, with the prompt set and the model it was computed with, and how it ran: the pooling it was
/// started with, its dtype and batch size (the loaded model may be in another dtype: the run is opened in its own).
/// </summary>
public sealed class RunData(string runId, PromptSet promptSet, ExperimentResult result, ModelInfo model, PoolingMethod pooling, ComputeDType dtype, int? batchSize)
{
    public string RunId { get; } = runId;
    public PromptSet PromptSet { get; } = promptSet;
    public ExperimentResult Result { get; } = result;
    public ModelInfo Model { get; } = model;
    public PoolingMethod Pooling { get; } = pooling;
    public ComputeDType DType { get; } = dtype;
    /// <summary>Null for runs recorded before the batch size was kept.</summary>
    public int? BatchSize { get; } = batchSize;
    public IReadOnlyList<string> ConditionOrder { get; } = promptSet.Conditions.Select(c => c.Name).ToList();

    /// <summary>Each prompt's features pooled the given way (from the cached token features: no model call).</summary>
    public IReadOnlyList<PooledPrompt> Pooled(PoolingMethod pooling) =>
        Result.Prompts.Select(p => new PooledPrompt(p.Prompt.Id, p.Prompt.Condition, p.Prompt.Topic,
            FeaturePooling.Pool(p.Cached.Features, pooling, p.Cached.UserTokenPositions))).ToList();

    public IReadOnlyList<float[]> PooledActivations(PoolingMethod pooling) => Result.Prompts.Select(p => ActivationPooling.Stored(p.Cached.PooledActivations, pooling)).ToList();
}

/// <summary>
/// The experiments and runs of this dashboard: prompt sets (the built-in seed set and those created or imported, kept
/// in the store as experiments), runs started here (one at a time, on the model worker, with progress), and the run
/// history of the store. A run's features live in the store, so reopening an old run with the same model re-pools them
/// from the cache without touching the model.
/// </summary>
public sealed class RunCatalog(LiveModelService models, FeatureStore store, ILogger<RunCatalog> logger) : IRunDataSource
{
    public const int DefaultBatchSize = 8;

    private readonly RunLifecycle _lifecycle = new(store);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, RunData> _results = [];
    private readonly Dictionary<string, RunSnapshot> _active = [];
    private readonly Dictionary<string, CancellationTokenSource> _cancellations = [];
    private readonly SemaphoreSlim _opening = new(1, 1);

    /// <summary>Raised on any thread whenever a run starts, progresses or ends.</summary>
    public event Action<RunSnapshot>? Changed;

    public IReadOnlyList<PromptSet> PromptSets()
    {
        var builtIn = Core.Experiments.PromptSets.BuiltIn();
        var stored = store.ListExperiments().Select(e => Core.Experiments.PromptSets.Parse(e.PromptSetJson, $"experiment '{e.Name}'"));
        return [builtIn, .. stored.Where(s => s.Name != builtIn.Name)];
    }

    public PromptSet PromptSet(string name) =>
        PromptSets().FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"no prompt set '{name}'; the sets are {string.Join(", ", PromptSets().Select(s => s.Name))}.");

    /// <summary>Validates and saves a prompt set (the seed-styles JSON format); a different set under a taken name is refused.</summary>
    public PromptSet SavePromptSet(string json, string sourceName)
    {
        var set = Core.Experiments.PromptSets.Parse(json, sourceName);
        if (set.Name == Core.Experiments.PromptSets.BuiltIn().Name)
            throw new ArgumentException($"'{set.Name}' is the built-in prompt set's name; give yours another.");
        store.CreateOrGetExperiment(set.Name, Core.Experiments.PromptSets.ToJson(set));
        return set;
    }

    /// <summary>All runs of the store and of this process, newest first.</summary>
    public IReadOnlyList<RunSnapshot> Runs()
    {
        var loaded = models.Current;
        lock (_gate)
        {
            var stored = store.ListRuns().Select(r => Snapshot(r, loaded)).ToDictionary(r => r.RunId);
            foreach (var (id, active) in _active)
                stored[id] = active;
            return stored.Values.OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.RunId, StringComparer.Ordinal).ToList();
        }
    }

    public RunSnapshot? Run(string runId) => Runs().FirstOrDefault(r => r.RunId == runId);

    /// <summary>
    /// Starts a run of <paramref name="promptSetName"/> on the loaded model and returns at once with its id; the run
    /// goes on in the background (on the model worker) and reports through <see cref="Changed"/>. Cancelling
    /// <paramref name="cancellation"/>, or calling <see cref="Cancel"/> with the run's id, stops it between batches; what
    /// was stored stays stored.
    /// </summary>
    public async Task<string> StartAsync(string promptSetName, PoolingMethod pooling, string chatFormat, CancellationToken cancellation)
    {
        // The run belongs to the app, not to the page that started it: this source outlives the page and lets any page
        // (or none) cancel it by id.
        var owned = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        try
        {
            return await StartAsync(promptSetName, pooling, chatFormat, owned);
        }
        catch
        {
            owned.Dispose();
            throw;
        }
    }

    /// <summary>Asks a running run to stop after its current batch; false when no such run is running here.</summary>
    public bool Cancel(string runId)
    {
        CancellationTokenSource? source;
        lock (_gate)
            _cancellations.TryGetValue(runId, out source);
        return BackgroundCancellation.TryCancel(source);
    }

    private async Task<string> StartAsync(string promptSetName, PoolingMethod pooling, string chatFormat, CancellationTokenSource owned)
    {
        var model = models.Current ?? throw new RefusedException("no model is loaded yet; wait for it (see the banner) or choose one in Settings.");
        var set = PromptSet(promptSetName);
        string setHash = _lifecycle.Register(set);
        var request = Request(model.Spec, set, chatFormat, pooling, model.Spec.DType);
        var started = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        RunRecord? record = null;
        var progress = new SynchronousProgress<PipelineProgress>(p =>
        {
            if (record is not null)
                Publish(Snapshot(record, model) with { Stage = p.Stage, Done = p.Done, Total = p.Total }, active: true);
        });
        var task = models.RunWithLoadedAsync((loaded, ct) =>
        {
            var experiment = ExperimentPipeline.Prepare(request);
            int missing = experiment.Missing(store).Count;
            return _lifecycle.Execute(experiment.Spec(setHash), (run, tally) =>
            {
                tally.Found(experiment.Prompts.Count - missing);
                record = run;
                lock (_gate)
                    _cancellations[run.RunId] = owned;
                Publish(Snapshot(run, model) with { Stage = "capture", Done = 0, Total = missing }, active: true);
                started.TrySetResult(run.RunId);
                // Between prompts the run lets Live requests in, so the dashboard stays usable while it runs.
                return new ExperimentPipeline().Run(experiment, store, progress, ct, afterEachStored: computed =>
                {
                    tally.Stored(computed);
                    models.LetInteractiveIn();
                }, loaded: loaded);
            }, r => (r.ComputedCount, r.CachedCount));
        }, owned.Token);
        _ = task.ContinueWith(t =>
        {
            Finish(t, record, set, model, started);
            lock (_gate)
            {
                if (record is not null)
                    _cancellations.Remove(record.RunId);
                owned.Dispose();
            }
        }, TaskScheduler.Default);
        return await started.Task;
    }

    /// <summary>Keeps a completed run's data and tells the pages how the run ended (the lifecycle has recorded it).</summary>
    private void Finish(Task<ExperimentResult> task, RunRecord? record, PromptSet set, ModelInfo model, TaskCompletionSource<string> started)
    {
        if (record is null)
        {
            // It failed before the run existed (a prompt the tokenizer refuses, a fingerprint that cannot be read).
            started.TrySetException(task.Exception?.InnerException ?? new OperationCanceledException("the run was cancelled before it started"));
            return;
        }
        if (task.IsCompletedSuccessfully)
        {
            lock (_gate)
                _results[record.RunId] = new RunData(record.RunId, set, task.Result, model, record.Pooling, record.DType!.Value, record.BatchSize);
        }
        else if (!task.IsCanceled)
        {
            logger.LogError(task.Exception, "run {RunId} failed", record.RunId);
        }
        Publish(Snapshot(store.GetRun(record.RunId) ?? record, model), active: false);
    }

    /// <summary>
    /// A completed run's data: from memory, or rebuilt from the store under the run's own identity — its model, SAE,
    /// layer, dtype and chat format, whatever dtype is loaded now. The model never runs: a run whose results are not all
    /// in the store is refused, not recomputed.
    /// </summary>
    public async Task<RunData> OpenAsync(string runId, CancellationToken cancellation)
    {
        lock (_gate)
        {
            if (_results.TryGetValue(runId, out var inMemory))
                return inMemory;
        }
        await _opening.WaitAsync(cancellation);
        try
        {
            lock (_gate)
            {
                if (_results.TryGetValue(runId, out var inMemory))
                    return inMemory;
            }
            var (record, identity, set) = _lifecycle.Reopen(runId);
            var model = models.Current ?? throw new RefusedException("no model is loaded yet.");
            if (RunSetup.WhyNotOpenable(record, model) is { } why)
                throw new RefusedException($"run {runId} was {why}");
            // Tokenizing 300 prompts is CPU work, off the circuit's thread; no tensor is involved.
            var result = await Task.Run(() =>
                ExperimentPipeline.Reopen(runId, identity, Request(model.Spec, set, identity.ChatFormat, record.Pooling, identity.DType), store), cancellation);
            var data = new RunData(runId, set, result, model, record.Pooling, identity.DType, identity.BatchSize);
            lock (_gate)
                _results[runId] = data;
            return data;
        }
        finally
        {
            _opening.Release();
        }
    }

    /// <summary>A run of <paramref name="set"/> on the loaded model in <paramref name="dtype"/>, each condition against the rest.</summary>
    private static ExperimentRequest Request(ModelSpec spec, PromptSet set, string chatFormat, PoolingMethod pooling, ComputeDType dtype) =>
        new(spec.Model, spec.Sae, spec.Layer, chatFormat, set, pooling, spec.Device, dtype, DefaultBatchSize,
            Contrast.EachVersusRest(set.Conditions.Select(c => c.Name)));

    private RunSnapshot Snapshot(RunRecord r, ModelInfo? loaded)
    {
        bool inMemory;
        lock (_gate)
            inMemory = _results.ContainsKey(r.RunId);
        int done = r.Status == RunStatus.Completed ? r.PromptCount : r.ComputedCount;
        // This process holds the store's lock, so a "running" record that is not one of ours is a run whose process died.
        string stage = r.Status == RunStatus.Running && !IsActive(r.RunId) ? "interrupted" : r.Status.ToString().ToLowerInvariant();
        return new RunSnapshot(r.RunId, r.ExperimentName, r.Status, stage, done, r.PromptCount, r.StartedAt, r.FinishedAt,
            r.PromptCount, r.ComputedCount, r.CachedCount, r.Error, inMemory, RunSetup.Of(r, loaded), RunSetup.WhyNotOpenable(r, loaded));
    }

    private bool IsActive(string runId)
    {
        lock (_gate)
            return _active.ContainsKey(runId);
    }

    private void Publish(RunSnapshot snapshot, bool active)
    {
        lock (_gate)
        {
            if (active)
                _active[snapshot.RunId] = snapshot;
            else
                _active.Remove(snapshot.RunId);
        }
        Changed?.Invoke(snapshot);
    }
}
