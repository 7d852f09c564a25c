using System.CommandLine;
using System.Diagnostics;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Inference.Pipeline;
using SaeExplorer.Inference.Runtime;
using SaeExplorer.Inference.Saes;
using SaeExplorer.Storage;

namespace SaeExplorer.Cli.Commands;

/// <summary>
/// <c>saex run</c>: the seed experiment's steps 1–3 — capture → SAE encode → store → analysis — over a prompt set,
/// writing <c>activations_layer{L}.pt</c>, <c>features_layer{L}.pt</c> and <c>feature_diff.json</c> into --out.
/// </summary>
internal static class RunCommand
{
    /// <summary>
    /// Crash-recovery tests set this to N: after the N-th stored prompt the process stops working and waits to be
    /// killed, so the test can kill it at a known point instead of racing a fast run.
    /// </summary>
    public const string HoldAfterPromptsVariable = "SAEX_TEST_HOLD_AFTER_PROMPTS";

    public static Command Create()
    {
        var options = new ExperimentOptions("saex-out");
        var command = new Command("run", "Run an experiment: capture → SAE encode → store → analysis.");
        options.AddTo(command);
        command.SetAction(r => CliRunner.Run("run", () => Run(options.Resolve(r))));
        return command;
    }

    private static int Run(ExperimentSetup a)
    {
        var clock = Stopwatch.StartNew();
        var (request, set, layer, chatFormat, pooling) = (a.Request, a.Request.PromptSet, a.Request.Layer, a.Request.ChatFormat, a.Request.Pooling);
        using var featureStore = FeatureStore.Open(a.Store);
        featureStore.CreateOrGetExperiment(set.Name, PromptSets.ToJson(set));
        var printer = new ProgressPrinter();
        int holdAfter = int.TryParse(Environment.GetEnvironmentVariable(HoldAfterPromptsVariable), out var h) ? h : -1;

        RunRecord? run = null;
        ExperimentResult result;
        try
        {
            result = new ExperimentPipeline().Run(request, featureStore, printer, afterEachStored: stored =>
            {
                if (stored == holdAfter)
                {
                    Console.Error.WriteLine($"holding after {stored} stored prompts ({HoldAfterPromptsVariable})");
                    Thread.Sleep(Timeout.Infinite);
                }
            }, onFingerprints: (modelFp, saeFp, total, cached) =>
            {
                run = featureStore.CreateRun(new RunSpec(set.Name, modelFp, saeFp, layer, chatFormat, pooling, total));
                Console.Error.WriteLine($"{total} prompts: {cached} already in {a.Store}, {total - cached} to compute");
            });
        }
        catch (Exception e) when (run is not null)
        {
            featureStore.UpdateRun(run with { Status = RunStatus.Failed, FinishedAt = DateTimeOffset.UtcNow, Error = e.Message });
            throw;
        }

        var files = ExperimentArtefacts.Write(result, layer, a.PoolName, ComputeTarget.DTypeName(request.Target.DType), a.Out);
        if (run is not null)
            featureStore.UpdateRun(run with
            {
                Status = RunStatus.Completed,
                FinishedAt = DateTimeOffset.UtcNow,
                ComputedCount = result.ComputedCount,
                CachedCount = result.CachedCount,
            });
        Console.Error.WriteLine($"computed {result.ComputedCount}, reused {result.CachedCount}; store {a.Store} is {featureStore.FileSizeBytes / 1e6:F1} MB");
        if (result.Quality is { } q)
            Console.Error.WriteLine(QualityLine(q));
        foreach (var f in files)
            Console.Error.WriteLine($"wrote {f}");
        Console.Error.WriteLine($"done in {clock.Elapsed.TotalSeconds:F1}s");
        return 0;
    }

    internal static string QualityLine(SaeReconstructionQuality q) =>
        FormattableString.Invariant($"SAE on {q.Tokens} tokens: L0 {q.L0:F1}, fraction of variance explained {q.FractionOfVarianceExplained:F4}, MSE {q.Mse:G4}");

    /// <summary>One progress bar per pipeline stage.</summary>
    internal sealed class ProgressPrinter : IProgress<PipelineProgress>
    {
        private string? _stage;
        private ConsoleProgress? _bar;

        public void Report(PipelineProgress value)
        {
            if (value.Stage != _stage)
            {
                _stage = value.Stage;
                _bar = new ConsoleProgress(value.Stage, value.Total, value.Stage == "capture" ? "prompts" : "steps");
            }
            _bar!.Report(value.Done, value.Detail);
        }
    }
}
