using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Analysis.Autointerp;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Inference.Pipeline;
using SaeExplorer.Inference.Sources;
using SaeExplorer.Inference.Tokenization;
using SaeExplorer.Judge;
using SaeExplorer.Judge.Autointerp;
using SaeExplorer.Reports.Tables;
using SaeExplorer.Runs;
using SaeExplorer.Runs.Autointerp;
using SaeExplorer.Runs.Contracts;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Storage;

namespace SaeExplorer.Cli.Commands;

/// <summary>
/// <c>saex explain</c>: an LLM explains SAE features from their activating examples in a run (prompts and answers), and
/// a scorer model tests each explanation on held-out examples (detection, fuzzing). Every call is cached in the store,
/// so a rerun costs nothing and a killed job resumes; explanations go to the store (the dashboard's Feature page) and to
/// <c>--out/explanations.{json,csv,tex}</c>. The command says what it will send before sending it and asks for
/// <c>--yes</c> above <c>--confirm-above</c> calls.
/// </summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "LiteDB store holding the run", Required = true };
        var run = new Option<string>("--run") { Description = "the run whose prompts (and answers) give the examples (saex run prints its id)", Required = true };
        var model = new Option<string>("--model") { Description = "the run's model folder (its tokenizer shows the tokens)", Required = true };
        var sae = new Option<string>("--sae") { Description = "the run's SAE", Required = true };
        var features = new Option<string?>("--features") { Description = "features to explain, e.g. 12,40,3071" };
        var top = new Option<int?>("--top") { Description = "explain the N features that separate --contrast's sides best" };
        var contrast = new Option<string?>("--contrast") { Description = "with --top: A:B or A:rest (conditions of the run's prompt set)" };
        var allActive = new Option<bool>("--all-active") { Description = "explain every feature active in at least --min-documents documents of the run" };
        var minDocuments = new Option<int>("--min-documents") { Description = "with --all-active: documents a feature must fire in", DefaultValueFactory = _ => 5 };
        var url = new Option<string>("--explainer-url") { Description = "OpenAI-compatible base URL of the explainer (a local `saex serve`: http://127.0.0.1:8000/v1)", DefaultValueFactory = _ => JudgeEndpoint.DefaultUrl };
        var explainerModel = new Option<string>("--explainer-model") { Description = "the explainer's model id, recorded on every explanation", DefaultValueFactory = _ => JudgeEndpoint.DefaultModel };
        var keyEnv = new Option<string>("--api-key-env") { Description = "environment variable holding the explainer's API key (never written anywhere)", DefaultValueFactory = _ => JudgeEndpoint.DefaultKeyVariable };
        var scorerUrl = new Option<string?>("--scorer-url") { Description = "the scorer's base URL (default: the explainer's)" };
        var scorerModel = new Option<string?>("--scorer-model") { Description = "the scorer's model id (default: the explainer's)" };
        var scorerKeyEnv = new Option<string?>("--scorer-key-env") { Description = "environment variable holding the scorer's API key (default: --api-key-env)" };
        var format = new Option<string>("--response-format") { Description = "auto (json_object for DeepSeek, json_schema otherwise), json_schema or json_object", DefaultValueFactory = _ => "auto" };
        var concurrency = new Option<int>("--concurrency") { Description = "calls in flight at once, per endpoint", DefaultValueFactory = _ => 16 };
        var scorers = new Option<string>("--scorers") { Description = "detection, fuzzing, both or none", DefaultValueFactory = _ => "both" };
        var examples = new Option<int>("--examples") { Description = "activating examples shown to the explainer", DefaultValueFactory = _ => 20 };
        var test = new Option<int>("--test") { Description = "held-out activating examples per scorer", DefaultValueFactory = _ => 10 };
        var random = new Option<int>("--random") { Description = "held-out negatives drawn at random", DefaultValueFactory = _ => 5 };
        var similar = new Option<int>("--similar") { Description = "held-out negatives from documents sharing the most features with activating ones", DefaultValueFactory = _ => 5 };
        var window = new Option<int>("--window") { Description = "tokens either side of an example's peak", DefaultValueFactory = _ => 16 };
        var batch = new Option<int>("--batch") { Description = "held-out examples per scorer call", DefaultValueFactory = _ => 5 };
        var show = new Option<string>("--show") { Description = "what else the explainer sees: conditions, promoted (tokens the decoder direction promotes), both or none", DefaultValueFactory = _ => "conditions" };
        var answers = new Option<bool>("--prompts-only") { Description = "draw examples from the prompts only, not from the run's generated answers" };
        var seed = new Option<ulong>("--seed") { Description = "seed of the example draw", DefaultValueFactory = _ => 0 };
        var yes = new Option<bool>("--yes") { Description = "send without asking, however many calls" };
        var confirmAbove = new Option<int>("--confirm-above") { Description = "calls above which --yes is needed", DefaultValueFactory = _ => 200 };
        var priceIn = new Option<double?>("--usd-per-mtok-in") { Description = "price per million input tokens, for the cost lines" };
        var priceOut = new Option<double?>("--usd-per-mtok-out") { Description = "price per million output tokens, for the cost lines" };
        var output = new Option<string>("--out") { Description = "folder for explanations.{json,csv,tex}", DefaultValueFactory = _ => "saex-out" };
        var command = new Command("explain", "Explain SAE features with an LLM from their activating examples, and score the explanations (detection, fuzzing).")
        {
            store, run, model, sae, features, top, contrast, allActive, minDocuments, url, explainerModel, keyEnv, scorerUrl, scorerModel, scorerKeyEnv,
            format, concurrency, scorers, examples, test, random, similar, window, batch, show, answers, seed, yes, confirmAbove, priceIn, priceOut, output,
        };
        command.SetAction((r, cancellation) => Task.FromResult(CliRunner.Run("explain", () =>
        {
            var responseFormat = JudgeCommand.ParseFormat(r.GetValue(format)!);
            var explainer = new JudgeEndpoint(r.GetValue(url)!, r.GetValue(explainerModel)!, r.GetValue(keyEnv)!, responseFormat, r.GetValue(concurrency),
                UsdPerMillionInput: r.GetValue(priceIn), UsdPerMillionOutput: r.GetValue(priceOut)).Validated();
            var scorer = explainer with
            {
                BaseUrl = r.GetValue(scorerUrl) ?? explainer.BaseUrl,
                Model = r.GetValue(scorerModel) ?? explainer.Model,
                ApiKeyVariable = r.GetValue(scorerKeyEnv) ?? explainer.ApiKeyVariable,
            };
            var selection = new FeatureSelection(r.GetValue(features), r.GetValue(top), r.GetValue(contrast), r.GetValue(allActive), r.GetValue(minDocuments));
            var options = new ExampleOptions(r.GetValue(examples), r.GetValue(test), r.GetValue(random), r.GetValue(similar), r.GetValue(window), Seed: r.GetValue(seed));
            var job = new ExplainArgs(r.GetValue(store)!, r.GetValue(run)!, r.GetValue(model)!, r.GetValue(sae)!, selection, explainer, scorer.Validated(),
                ParseScorers(r.GetValue(scorers)!), options, r.GetValue(batch), ParseShow(r.GetValue(show)!), !r.GetValue(answers),
                r.GetValue(yes), r.GetValue(confirmAbove), r.GetValue(output)!);
            return Run(job, cancellation);
        })));
        return command;
    }

    private sealed record FeatureSelection(string? List, int? Top, string? Contrast, bool AllActive, int MinDocuments);

    private sealed record ExplainArgs(string Store, string RunId, string Model, string Sae, FeatureSelection Selection, JudgeEndpoint Explainer,
        JudgeEndpoint Scorer, IReadOnlyList<ScoringMethod> Methods, ExampleOptions Examples, int Batch, (bool Conditions, bool Promoted) Show,
        bool UseAnswers, bool Yes, int ConfirmAbove, string Out);

    private static IReadOnlyList<ScoringMethod> ParseScorers(string value) => value.Trim().ToLowerInvariant() switch
    {
        "both" => [ScoringMethod.Detection, ScoringMethod.Fuzzing],
        "detection" => [ScoringMethod.Detection],
        "fuzzing" => [ScoringMethod.Fuzzing],
        "none" => [],
        var other => throw new ArgumentException($"--scorers '{other}' is not one of detection, fuzzing, both, none."),
    };

    private static (bool Conditions, bool Promoted) ParseShow(string value) => value.Trim().ToLowerInvariant() switch
    {
        "conditions" => (true, false),
        "promoted" => (false, true),
        "both" => (true, true),
        "none" => (false, false),
        var other => throw new ArgumentException($"--show '{other}' is not one of conditions, promoted, both, none."),
    };

    private static int Run(ExplainArgs a, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var examples = a.Examples.Validated();
        using var featureStore = FeatureStore.Open(a.Store);
        var (record, identity, set) = new RunLifecycle(featureStore).Reopen(a.RunId);
        var model = SourceResolver.Model(a.Model);
        if (model.Fingerprint != record.ModelFingerprint)
            throw new SettingsException(SettingsField.Model, $"{a.Model} is not the model run {record.RunId} used (fingerprints differ); give that model with --model.");
        var sae = SourceResolver.Sae(a.Sae, record.Layer);
        if (sae.Fingerprint != record.SaeFingerprint)
            throw new SettingsException(SettingsField.Sae, $"{a.Sae} is not the SAE run {record.RunId} used (fingerprints differ); give that SAE with --sae.");

        var request = new ExperimentRequest(model, sae, record.Layer, identity.ChatFormat, set, record.Pooling, ComputeDevice.Cpu, identity.DType, 1, []);
        var result = ExperimentPipeline.Reopen(record.RunId, identity, request, featureStore);
        var tokenizer = Llama3Tokenizer.Load(model.Directory);
        var stored = new List<(RunAnswer, StoredAnswer)>();
        if (a.UseAnswers && featureStore.GetAnswerSet(record.RunId, RunAnswerSet.BaselineArm) is { } baseline)
        {
            foreach (var answer in baseline.Answers)
                if (featureStore.TryGetAnswer(answer.AnswerKey, out var s))
                    stored.Add((answer, s));
        }
        var documents = RunViews.Documents(result, id => tokenizer.Decode([id]), stored);
        var sampler = new ExampleSampler(documents);
        var chosen = Choose(a.Selection, result, set, documents, sampler.FeatureCount);
        int answerDocuments = documents.Count(d => d.Source == ExampleDocument.AnswerSource);
        Console.Error.WriteLine($"run {record.RunId}: {documents.Count - answerDocuments} prompts and {answerDocuments} answers as examples; {chosen.Count} feature(s) to explain");

        var promoted = a.Show.Promoted ? Promoted(request, tokenizer, chosen) : null;
        var items = chosen.Select(f => new ExplainItem(sampler.Sample(f, examples), promoted?[f])).ToList();
        var explainRequest = new ExplainRequest(record.SaeFingerprint, record.RunId, items, a.Methods, a.Show.Conditions, a.Batch, examples.Seed);

        using var explainer = new JudgeClient(a.Explainer, featureStore);
        using var scorerClient = a.Scorer == a.Explainer ? null : new JudgeClient(a.Scorer, featureStore);
        var scorer = scorerClient ?? explainer;
        var plan = ExplainJob.Plan(explainRequest, explainer, scorer);
        Console.Error.WriteLine($"{plan.Calls} calls to send ({plan.Stored} already in the store): explainer {a.Explainer.Model} at {a.Explainer.Describe()}, " +
                                $"scorer {a.Scorer.Model} at {a.Scorer.Describe()}; about {plan.InputTokens:N0} input and {plan.OutputTokens:N0} output tokens" +
                                (Cost(a.Explainer, plan.InputTokens, plan.OutputTokens) is { } c ? $", about ${c:F2}" : ""));
        if (plan.Calls > a.ConfirmAbove && !a.Yes)
            throw new ArgumentException($"{plan.Calls} calls is more than --confirm-above {a.ConfirmAbove}: add --yes to send them (or explain fewer features).");

        var bar = new ConsoleProgress("explain", plan.Calls + plan.Stored, "calls");
        var progress = new SynchronousProgress<ExplainProgress>(p => bar.Report(p.Done, $"({p.Cached} cached)"));
        var explanations = ExplainJob.RunAsync(explainRequest, explainer, scorer, featureStore, progress, cancellation).GetAwaiter().GetResult();

        var labels = featureStore.Labels(record.SaeFingerprint).ToDictionary(l => l.Key, l => l.Value.Label);
        var table = ExplanationTables.Explanations(explanations, labels);
        var json = Path.Combine(a.Out, "explanations.json");
        ExplanationsFile.Write(json, explanations);
        TableExporter.Save(table, Path.Combine(a.Out, "explanations.csv"));
        Core.Exports.AtomicFile.WriteAllText(Path.Combine(a.Out, "explanations.tex"), TableExporter.ToLatex(ExplanationTables.ForPaper(table),
            caption: $"SAE features explained by {a.Explainer.Model} and scored by {a.Scorer.Model} (balanced accuracy; chance 0.50)", label: "tab:explanations"));

        Console.Error.WriteLine(Summary(explanations));
        var usage = new[] { explainer.Usage }.Concat(scorerClient is null ? [] : [scorerClient.Usage]).ToList();
        Console.Error.WriteLine($"{usage.Sum(u => u.Calls)} calls sent, {usage.Sum(u => u.Cached)} from the store; " +
                                $"{usage.Sum(u => u.InputTokens):N0} input and {usage.Sum(u => u.OutputTokens):N0} output tokens" +
                                (usage.All(u => u.CostUsd is not null) ? $", ${usage.Sum(u => u.CostUsd!.Value):F4}" : ""));
        Console.Error.WriteLine($"wrote {json}, explanations.csv and explanations.tex in {clock.Elapsed.TotalSeconds:F1}s");
        return 0;
    }

    /// <summary>The features the user asked for: a list, the top of a contrast, or all that fire often enough.</summary>
    private static IReadOnlyList<int> Choose(FeatureSelection s, ExperimentResult result, PromptSet set, IReadOnlyList<ExampleDocument> documents, int featureCount)
    {
        int ways = (s.List is null ? 0 : 1) + (s.Top is null ? 0 : 1) + (s.AllActive ? 1 : 0);
        if (ways != 1)
            throw new ArgumentException("choose the features one way: --features 12,40, or --top N --contrast A:B, or --all-active.");
        if (s.List is { } list)
        {
            var parsed = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(t =>
                int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var f) && f < featureCount ? f
                    : throw new ArgumentException($"--features: '{t}' is not a feature of this SAE (0..{featureCount - 1}).")).Distinct().ToList();
            return parsed.Count > 0 ? parsed : throw new ArgumentException("--features is empty; give indices like 12,40.");
        }
        if (s.Top is { } n)
        {
            if (n < 1)
                throw new ArgumentException($"--top {n}: give at least 1.");
            var contrast = ExperimentOptions.ParseContrasts([s.Contrast ?? throw new ArgumentException("--top needs --contrast A:B or A:rest.")], set)[0];
            var report = ContrastStatistics.Compute(RunViews.Pooled(result), contrast);
            return report.Features.Take(n).Select(f => f.Feature).ToList();
        }
        if (s.MinDocuments < 1)
            throw new ArgumentException($"--min-documents {s.MinDocuments}: give at least 1.");
        var counts = new int[featureCount];
        foreach (var d in documents)
            foreach (int f in d.Features.Indices.Distinct())
                counts[f]++;
        return Enumerable.Range(0, featureCount).Where(f => counts[f] >= s.MinDocuments).ToList();
    }

    /// <summary>The tokens each feature's decoder direction promotes most through the unembedding, as text.</summary>
    private static Dictionary<int, IReadOnlyList<string>> Promoted(ExperimentRequest request, Llama3Tokenizer tokenizer, IReadOnlyList<int> features)
    {
        var target = Inference.Runtime.ComputeTarget.From(request.Device, request.DType);
        using var sae = Inference.Saes.SaeFormats.Load(request.Sae, target.DType, target.Device);
        return Inference.Saes.PromotedTokens.Compute(sae, request.Model.Directory, features)
            .ToDictionary(r => r.Feature, r => (IReadOnlyList<string>)r.Promoted.Select(t => tokenizer.Decode([t.TokenId])).ToList());
    }

    private static double? Cost(JudgeEndpoint e, long input, long output) =>
        e.UsdPerMillionInput is { } pi && e.UsdPerMillionOutput is { } po ? (input * pi + output * po) / 1e6 : null;

    private static string Summary(IReadOnlyList<FeatureExplanation> explanations)
    {
        int ok = explanations.Count(e => e.Outcome == ExplanationOutcomes.Ok);
        string Mean(ScoringMethod m)
        {
            var values = explanations.Select(e => e.Score(m)?.BalancedAccuracy).OfType<double>().ToList();
            return values.Count == 0 ? "" : $", mean {m.ToString().ToLowerInvariant()} {values.Average():F2} over {values.Count}";
        }
        var failed = explanations.Where(e => e.Outcome != ExplanationOutcomes.Ok).GroupBy(e => e.Outcome).Select(g => $"{g.Count()} {g.Key}");
        return $"{ok} of {explanations.Count} features explained{Mean(ScoringMethod.Detection)}{Mean(ScoringMethod.Fuzzing)}" +
               (failed.Any() ? $" ({string.Join(", ", failed)})" : "");
    }
}
