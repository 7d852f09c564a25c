using SaeExplorer.Core.Experiments;
using SaeExplorer.Core.Features;
using SaeExplorer.Runs;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Storage;

namespace SaeExplorer.Judge.Tests;

/// <summary>A store holding one run of a small prompt set (3 styles × 2 topics) with a baseline answer per prompt.</summary>
internal static class JudgeTestData
{
    public static readonly PromptSet Set = new("judge-test", "three styles, two topics",
    [
        new Condition("standard", "Explain {topic}."),
        new Condition("novice", "Explain {topic} to a novice."),
        new Condition("expert", "Explain {topic} to an expert."),
    ], ["gravity", "entropy"]);

    public static string Seed(FeatureStore store, string? extraArm = null)
    {
        var lifecycle = new RunLifecycle(store);
        var hash = lifecycle.Register(Set);
        var run = store.CreateRun(new RunSpec(Set.Name, hash, new CacheIdentity("model-fp", "sae-fp", 2, ComputeDType.Float32, "Llama3", 8), PoolingMethod.Last, 6));
        store.UpdateRun(run with { Status = RunStatus.Completed, FinishedAt = DateTimeOffset.UtcNow });
        store.PutAnswerSet(Arm(run.RunId, RunAnswerSet.BaselineArm, "answer"));
        if (extraArm is not null)
            store.PutAnswerSet(Arm(run.RunId, extraArm, "steered answer"));
        return run.RunId;
    }

    private static RunAnswerSet Arm(string runId, string arm, string word) => new(runId, arm, new DecodingOptions(64), [], InterventionScope.All, DateTimeOffset.UtcNow,
        [.. PromptSets.Expand(Set).Select((p, i) => new RunAnswer(p.Id, p.Topic, p.Condition, $"key-{arm}-{i}",
            $"The {word} about {p.Topic} for the {p.Condition} style, number {i}.", 10 + i, FinishReasons.Eos, 20 + i, 30.5, 100 + i))]);
}
