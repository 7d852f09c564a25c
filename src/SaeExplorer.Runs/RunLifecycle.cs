using SaeExplorer.Core.Errors;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Core.Fingerprints;

namespace SaeExplorer.Runs;

/// <summary>
/// The one owner of a run's life: registering its prompt set, creating its record, and marking it completed, failed
/// or cancelled however the work ends; reopening checks that a run can be shown as it was made. The CLI and the
/// dashboard call this and only render.
/// </summary>
public sealed class RunLifecycle(IRunStore store)
{
    public IRunStore Store { get; } = store;

    /// <summary>Stores the prompt set as an experiment (or finds it) and returns the hash a run records.</summary>
    public string Register(PromptSet set)
    {
        var json = PromptSets.ToJson(set);
        Store.CreateOrGetExperiment(set.Name, json);
        return FileFingerprint.ForText(json);
    }

    /// <summary>
    /// Records a run of <paramref name="spec"/>, runs <paramref name="work"/> and records how it ended: completed with
    /// the counts <paramref name="counts"/> reads from the result, or cancelled or failed (with the error's message)
    /// with the counts the work kept in its <see cref="RunTally"/> — the prompts it stored stay in the cache and the
    /// record says how many. The exception, if any, goes on to the caller.
    /// </summary>
    public T Execute<T>(RunSpec spec, Func<RunRecord, RunTally, T> work, Func<T, (int Computed, int Cached)> counts)
    {
        var run = Store.CreateRun(spec);
        var tally = new RunTally();
        T result;
        try
        {
            result = work(run, tally);
        }
        catch (OperationCanceledException)
        {
            RecordEnd(run with { Status = RunStatus.Cancelled, FinishedAt = DateTimeOffset.UtcNow, ComputedCount = tally.Computed, CachedCount = tally.Cached });
            throw;
        }
        catch (Exception e)
        {
            RecordEnd(run with { Status = RunStatus.Failed, FinishedAt = DateTimeOffset.UtcNow, ComputedCount = tally.Computed, CachedCount = tally.Cached, Error = e.Message });
            throw;
        }
        var (computed, cached) = counts(result);
        Store.UpdateRun(run with { Status = RunStatus.Completed, FinishedAt = DateTimeOffset.UtcNow, ComputedCount = computed, CachedCount = cached });
        return result;
    }

    /// <summary>
    /// Records how a run that threw ended, if the store still can: when the work failed because the store did (a full
    /// disk), recording fails too, and that second error must not replace the first one on its way to the user. The
    /// run then stays "running" in the store, as after a kill.
    /// </summary>
    private void RecordEnd(RunRecord ended)
    {
        try
        {
            Store.UpdateRun(ended);
        }
        catch (Exception)
        {
        }
    }

    /// <summary>
    /// A completed run, with the prompt set it was made with, ready to be rebuilt from the cache under its own identity
    /// (model, SAE, layer, dtype, chat format). Refuses a run that is not completed, one recorded without its dtype, and
    /// one whose experiment's prompt set changed since.
    /// </summary>
    public (RunRecord Run, CacheIdentity Identity, PromptSet Set) Reopen(string runId)
    {
        var run = Store.GetRun(runId) ?? throw new ArgumentException($"no run '{runId}' in {Store.Path}.");
        if (run.Status != RunStatus.Completed)
            throw new RefusedException($"run {runId} is {run.Status.ToString().ToLowerInvariant()}; only completed runs can be opened.");
        var identity = run.Identity ?? throw new RefusedException(
            $"run {runId} was recorded before runs kept their dtype, so its cached features cannot be told apart; run the experiment again.");
        var experiment = Store.GetExperiment(run.ExperimentName)
            ?? throw new RefusedException($"run {runId} belongs to experiment '{run.ExperimentName}', which is no longer in {Store.Path}.");
        var set = PromptSets.Parse(experiment.PromptSetJson, $"experiment '{experiment.Name}'");
        if (run.PromptSetHash is { } hash && hash != FileFingerprint.ForText(PromptSets.ToJson(set)))
            throw new RefusedException($"the prompt set of experiment '{run.ExperimentName}' changed after run {runId}; run it again.");
        return (run, identity, set);
    }
}

/// <summary>
/// How far a run has got, kept up by its work (possibly from another thread) so that a run stopped early is recorded
/// with what it did: the prompts found in the cache at the start and those computed and stored since.
/// </summary>
public sealed class RunTally
{
    private int _computed, _cached;

    public int Computed => Volatile.Read(ref _computed);

    public int Cached => Volatile.Read(ref _cached);

    /// <summary>The prompts the cache already held when the run started.</summary>
    public void Found(int cached) => Volatile.Write(ref _cached, cached);

    /// <summary>The running count of prompts computed and stored.</summary>
    public void Stored(int computed) => Volatile.Write(ref _computed, computed);
}
