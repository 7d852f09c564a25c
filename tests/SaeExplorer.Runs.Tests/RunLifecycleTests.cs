using SaeExplorer.Core.Errors;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Core.Features;
using SaeExplorer.Runs.Settings;

namespace SaeExplorer.Runs.Tests;

public sealed class RunLifecycleTests
{
    /// <summary>Records in memory, as the feature store keeps them on disk.</summary>
    private sealed class MemoryRunStore : IRunStore
    {
        private readonly Dictionary<string, ExperimentRecord> _experiments = [];
        private readonly Dictionary<string, RunRecord> _runs = [];

        public string Path => "memory";

        public ExperimentRecord CreateOrGetExperiment(string name, string promptSetJson)
        {
            if (_experiments.TryGetValue(name, out var existing))
                return existing.PromptSetJson == promptSetJson ? existing : throw new ArgumentException($"another prompt set is stored as '{name}'");
            return _experiments[name] = new ExperimentRecord(name, promptSetJson, DateTimeOffset.UtcNow);
        }

        public ExperimentRecord? GetExperiment(string name) => _experiments.GetValueOrDefault(name);

        public IReadOnlyList<ExperimentRecord> ListExperiments() => [.. _experiments.Values];

        public void Replace(ExperimentRecord experiment) => _experiments[experiment.Name] = experiment;

        public RunRecord CreateRun(RunSpec spec)
        {
            var id = spec.Identity;
            var run = new RunRecord($"run-{_runs.Count}", spec.ExperimentName, spec.PromptSetHash, id.ModelFingerprint, id.SaeFingerprint, id.Layer, id.DType,
                id.ChatFormat, id.BatchSize, spec.Pooling, DateTimeOffset.UtcNow, null, RunStatus.Running, spec.PromptCount, 0, 0, null, spec.ModelPath, spec.SaePath);
            return _runs[run.RunId] = run;
        }

        /// <summary>When set, recording a run's end fails with it, as a store on a full disk does.</summary>
        public Exception? UpdateFailure { get; set; }

        public void UpdateRun(RunRecord run) => _runs[run.RunId] = UpdateFailure is null ? run : throw UpdateFailure;

        public RunRecord? GetRun(string runId) => _runs.GetValueOrDefault(runId);

        public IReadOnlyList<RunRecord> ListRuns(string? experimentName = null) => [.. _runs.Values];
    }

    private static readonly PromptSet Set = PromptSets.BuiltIn() with { Name = "two", Topics = ["tides", "black holes"] };
    private static readonly CacheIdentity Identity = new("model-fp", "sae-fp", 50, ComputeDType.BFloat16, "Llama31", 8);

    private static (RunLifecycle, MemoryRunStore, RunSpec) Start()
    {
        var store = new MemoryRunStore();
        var lifecycle = new RunLifecycle(store);
        var hash = lifecycle.Register(Set);
        return (lifecycle, store, new RunSpec(Set.Name, hash, Identity, PoolingMethod.Max, 12));
    }

    [Fact]
    public void When_the_store_cannot_record_a_failed_run_the_work_s_own_error_reaches_the_caller()
    {
        var (lifecycle, store, spec) = Start();
        var diskFull = new IOException("disk full while writing features.db");

        var thrown = Assert.Throws<IOException>(() => lifecycle.Execute<int>(spec, (_, _) =>
        {
            store.UpdateFailure = new InvalidOperationException("Write lock may not be acquired with read lock held.");
            throw diskFull;
        }, _ => (0, 0)));

        Assert.Same(diskFull, thrown);
        Assert.Equal(RunStatus.Running, store.GetRun("run-0")!.Status);
    }

    [Fact]
    public void A_run_that_ends_well_is_recorded_completed_with_its_counts_and_reopens_under_its_identity()
    {
        var (lifecycle, store, spec) = Start();
        string runId = "";
        var result = lifecycle.Execute(spec, (run, _) =>
        {
            runId = run.RunId;
            Assert.Equal(RunStatus.Running, store.GetRun(run.RunId)!.Status);
            return (Computed: 9, Cached: 3);
        }, r => r);

        var record = store.GetRun(runId)!;
        Assert.Equal((RunStatus.Completed, 9, 3), (record.Status, record.ComputedCount, record.CachedCount));
        Assert.NotNull(record.FinishedAt);
        var (reopened, identity, set) = lifecycle.Reopen(runId);
        Assert.Equal(record, reopened);
        Assert.Equal(Identity, identity);
        Assert.Equal(PromptSets.ToJson(Set), PromptSets.ToJson(set));
        Assert.Equal((9, 3), result);
    }

    [Fact]
    public void A_failed_or_cancelled_run_is_recorded_so_and_cannot_be_reopened()
    {
        var (lifecycle, store, spec) = Start();
        Assert.Throws<IOException>(() => lifecycle.Execute<int>(spec, (_, _) => throw new IOException("disk full"), _ => (0, 0)));
        // The cancelled run had found 5 prompts cached and stored 24 before the stop: its record says so (it said 0 and 0).
        Assert.Throws<OperationCanceledException>(() => lifecycle.Execute<int>(spec, (_, tally) =>
        {
            tally.Found(5);
            for (int stored = 1; stored <= 24; stored++)
                tally.Stored(stored);
            throw new OperationCanceledException();
        }, _ => (0, 0)));

        var failed = store.GetRun("run-0")!;
        Assert.Equal((RunStatus.Failed, "disk full", 0, 0), (failed.Status, failed.Error, failed.ComputedCount, failed.CachedCount));
        var cancelled = store.GetRun("run-1")!;
        Assert.Equal((RunStatus.Cancelled, null, 24, 5), (cancelled.Status, cancelled.Error, cancelled.ComputedCount, cancelled.CachedCount));
        Assert.Contains("run run-0 is failed; only completed runs can be opened", Assert.Throws<RefusedException>(() => lifecycle.Reopen("run-0")).Message);
        Assert.Contains("no run 'run-9' in memory", Assert.Throws<ArgumentException>(() => lifecycle.Reopen("run-9")).Message);
    }

    [Fact]
    public void A_run_without_its_dtype_or_over_an_edited_prompt_set_is_not_reopened()
    {
        var (lifecycle, store, spec) = Start();
        lifecycle.Execute(spec, (_, _) => 0, _ => (12, 0));
        store.UpdateRun(store.GetRun("run-0")! with { DType = null });
        Assert.Contains("recorded before runs kept their dtype", Assert.Throws<RefusedException>(() => lifecycle.Reopen("run-0")).Message);

        lifecycle.Execute(spec, (_, _) => 0, _ => (12, 0));
        store.Replace(new ExperimentRecord(Set.Name, PromptSets.ToJson(Set with { Topics = ["tides"] }), DateTimeOffset.UtcNow));
        Assert.Contains("the prompt set of experiment 'two' changed after run run-1", Assert.Throws<RefusedException>(() => lifecycle.Reopen("run-1")).Message);
    }

    [Fact]
    public void A_cache_key_is_the_identity_and_the_tokens()
    {
        int[] tokens = [128000, 9906, 1917];
        Assert.Equal(FeatureCacheKey.Compute("model-fp", "sae-fp", 50, "bfloat16", "Llama31", 8, tokens), Identity.Key(tokens));
        Assert.NotEqual(Identity.Key(tokens), (Identity with { DType = ComputeDType.Float32 }).Key(tokens));
        Assert.NotEqual(Identity.Key(tokens), (Identity with { BatchSize = 16 }).Key(tokens));
    }
}
