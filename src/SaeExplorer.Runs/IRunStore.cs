namespace SaeExplorer.Runs;

/// <summary>Where experiments and runs are recorded (the feature store implements it).</summary>
public interface IRunStore
{
    /// <summary>Where the records live, for messages.</summary>
    string Path { get; }

    /// <summary>Creates the experiment, or returns it when the same prompt set is already stored under that name; refuses a different set under a taken name.</summary>
    ExperimentRecord CreateOrGetExperiment(string name, string promptSetJson);

    ExperimentRecord? GetExperiment(string name);

    IReadOnlyList<ExperimentRecord> ListExperiments();

    /// <summary>Starts a run: a new id, the start time now, status <see cref="RunStatus.Running"/>, no prompts done.</summary>
    RunRecord CreateRun(RunSpec spec);

    /// <summary>Replaces a run's record; the run must exist.</summary>
    void UpdateRun(RunRecord run);

    RunRecord? GetRun(string runId);

    /// <summary>All runs, or those of one experiment, oldest first.</summary>
    IReadOnlyList<RunRecord> ListRuns(string? experimentName = null);
}
