using System.CommandLine;
using System.Diagnostics;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Inference.Generation;
using SaeExplorer.Inference.Pipeline;
using SaeExplorer.Inference.Tokenization;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Inference.Saes;
using SaeExplorer.Runs;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Storage;

namespace SaeExplorer.Cli.Commands;

/// <summary>
/// <c>saex run</c>: the seed experiment's steps 1–3 — capture → SAE encode → store → analysis — over a prompt set,
/// writing <c>activations_layer{L}.pt</c>, <c>features_layer{L}.pt</c> and <c>feature_diff.json</c> into --out.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var options = new ExperimentOptions("saex-out");
        var generate = new Option<bool>("--generate") { Description = "also answer every prompt (greedy; the SAE reads the answers): answers.jsonl, answer counts in feature_diff.json" };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "with --generate: most tokens per answer", DefaultValueFactory = _ => DecodingOptions.DefaultMaxNewTokens };
        var command = new Command("run", "Run an experiment: capture → SAE encode → store → analysis (→ answers with --generate).");
        options.AddTo(command);
        command.Options.Add(generate);
        command.Options.Add(maxNew);
        command.SetAction(r => CliRunner.Run("run", () =>
        {
            var decoding = r.GetValue(generate) ? new DecodingOptions(r.GetValue(maxNew)).Validated() : null;
            return Run(options.Resolve(r), decoding);
        }));
        return command;
    }

    private static int Run(ExperimentSetup a, DecodingOptions? generate)
    {
        var clock = Stopwatch.StartNew();
        var request = a.Request;
        using var featureStore = FeatureStore.Open(a.Store);
        var lifecycle = new RunLifecycle(featureStore);
        string setHash = lifecycle.Register(request.PromptSet);
        var printer = new ProgressPrinter();
        var experiment = ExperimentPipeline.Prepare(request, printer);
        int total = experiment.Prompts.Count, missing = experiment.Missing(featureStore).Count;
        Console.Error.WriteLine($"{total} prompts: {total - missing} already in {a.Store}, {missing} to compute");
        string runId = "";
        var result = lifecycle.Execute(experiment.Spec(setHash), (run, tally) =>
        {
            runId = run.RunId;
            tally.Found(total - missing);
            return new ExperimentPipeline().Run(experiment, featureStore, printer, afterEachStored: tally.Stored);
        }, r => (r.ComputedCount, r.CachedCount));

        ExperimentAnswers? answers = null;
        if (generate is not null)
        {
            // The run's own token ids: the answers continue exactly the prompts whose features were just stored.
            var prompts = result.Prompts.Select(p => new PromptIds(p.Prompt.Id, p.Encoded.Ids)).ToList();
            var job = AnswerJob.Prepare(new AnswerRequest(request.Model, request.Sae, request.Layer, request.Device, request.DType, generate, [],
                BatchSize: request.BatchSize), prompts);
            int toGenerate = job.Missing(featureStore).Count;
            Console.Error.WriteLine($"answers: {prompts.Count - toGenerate} in {a.Store}, {toGenerate} to generate ({generate.Describe()})");
            var results = job.Run(featureStore, printer);
            var tokenizer = Llama3Tokenizer.Load(request.Model.Directory);
            answers = new ExperimentAnswers(results, AnswerLines.From(results, tokenizer, job.Settings));
            // Kept with the run, so `saex judge --run` and the Answers page find them without the model.
            featureStore.PutAnswerSet(RunAnswerSets.From(runId, RunAnswerSet.BaselineArm, results,
                [.. result.Prompts.Select(p => (p.Prompt.Topic, p.Prompt.Condition, p.PooledFeatures.ActiveCount))], tokenizer, job.Settings));
        }
        var files = ExperimentArtefacts.Write(result, request.Layer, a.PoolName, request.DType.Name(), a.Out, answers);
        Console.Error.WriteLine($"run {runId}: computed {result.ComputedCount}, reused {result.CachedCount}; store {a.Store} is {featureStore.FileSizeBytes / 1e6:F1} MB");
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
                _bar = new ConsoleProgress(value.Stage, value.Total, value.Stage is "capture" or "generate" ? "prompts" : "steps");
            }
            _bar!.Report(value.Done, value.Detail);
        }
    }
}
