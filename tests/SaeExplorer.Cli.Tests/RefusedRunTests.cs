using SaeExplorer.Core.Experiments;
using SaeExplorer.Core.Features;
using SaeExplorer.Runs;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Storage;
using SaeExplorer.Tests;

namespace SaeExplorer.Cli.Tests;

/// <summary>A run that cannot be opened is one line naming it and why (exit 2); it was an internal error with a stack trace (exit 70).</summary>
public sealed class RefusedRunTests
{
    [Fact]
    public void Judging_or_modelling_a_cancelled_run_is_one_line_saying_only_completed_runs_open()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        string storePath = Path.Combine(tmp.Path, "s.db");
        string runId;
        using (var store = FeatureStore.Open(storePath))
        {
            var lifecycle = new RunLifecycle(store);
            var set = PromptSets.BuiltIn() with { Topics = ["tides"] };
            var run = store.CreateRun(new RunSpec(set.Name, lifecycle.Register(set), new CacheIdentity("m", "s", 2, ComputeDType.Float32, "Llama3", 8), PoolingMethod.Last, 6));
            store.UpdateRun(run with { Status = RunStatus.Cancelled, FinishedAt = DateTimeOffset.UtcNow, ComputedCount = 2 });
            runId = run.RunId;
        }

        var result = Saex.Run("triangle", "--store", storePath, "--run", runId, "--out", Path.Combine(tmp.Path, "out"));

        Assert.Equal(2, result.ExitCode);
        Saex.AssertRefused(result, $"run {runId} is cancelled; only completed runs can be opened.");
        Assert.DoesNotContain("   at ", result.StdErr);
    }
}
