using SaeExplorer.Core.Errors;
using SaeExplorer.Runs;
using SaeExplorer.Core.Features;
using System.CommandLine;
using System.Diagnostics;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Inference.Generation;
using SaeExplorer.Inference.Sources;
using SaeExplorer.Inference.Tokenization;
using SaeExplorer.Runs.Contracts;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Storage;

namespace SaeExplorer.Cli.Commands;

/// <summary>
/// <c>saex generate</c>: the model's answers to a prompts file or a prompt set, one JSONL line per prompt in input
/// order (<see cref="AnswerLine"/>), optionally steered through SAE features; with --store, answers and their features
/// are kept in the store and a rerun or a resumed run generates only what is missing.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Hugging Face model directory (config.json, safetensors, tokenizer)", Required = true };
        var prompts = new Option<string?>("--prompts") { Description = "JSONL: {\"id\", \"messages\"} or {\"id\", \"text\"} per line" };
        var promptSet = new Option<string?>("--prompt-set") { Description = "prompt-set JSON (conditions × topics); 'builtin' for the six styles × 50 topics" };
        var output = new Option<string>("--out") { Description = "answers JSONL, written whole at the end", Required = true };
        var sae = new Option<string?>("--sae") { Description = "SAE (Goodfire .pt, SAELens or sparsify folder): needed to intervene; also reads every answer token's features" };
        var layer = new Option<int?>("--layer") { Description = "decoder layer the SAE reads (0-based)" };
        var forceLayer = new Option<bool>("--force-layer") { Description = "use --layer even where the SAE's files name another layer" };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "most tokens per answer", DefaultValueFactory = _ => DecodingOptions.DefaultMaxNewTokens };
        var temperature = new Option<double>("--temperature") { Description = "0 = greedy; above 0 samples", DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { Description = "nucleus sampling: keep the most likely tokens up to this probability", DefaultValueFactory = _ => 1 };
        var topK = new Option<int>("--top-k") { Description = "keep only the k most likely tokens (0 = off)", DefaultValueFactory = _ => 0 };
        var penalty = new Option<double>("--repetition-penalty") { Description = "transformers' repetition penalty (1 = off)", DefaultValueFactory = _ => 1 };
        var seed = new Option<ulong>("--seed") { Description = "seed of each prompt's random stream (with its token ids)", DefaultValueFactory = _ => 0 };
        var batchSize = new Option<int>("--batch-size") { Description = "prompts decoded together", DefaultValueFactory = _ => 8 };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
        var gpus = new Option<int>("--gpus") { Description = "with --device cuda: split the layers over GPUs cuda:0..K-1", DefaultValueFactory = _ => 1 };
        var dtype = new Option<string>("--dtype") { Description = "float32 or bfloat16", DefaultValueFactory = _ => "float32" };
        var chatFormat = new Option<string>("--chat-format") { Description = $"{ChatFormats.AcceptedValues} (auto: from tokenizer_config.json)", DefaultValueFactory = _ => "auto" };
        var add = new Option<string[]>("--add") { Description = "F:V — add V × feature F's decoder column at the layer (repeatable)", AllowMultipleArgumentsPerToken = false };
        var clamp = new Option<string[]>("--clamp") { Description = "F:V — set feature F to V, keeping the SAE's reconstruction error (repeatable)", AllowMultipleArgumentsPerToken = false };
        var ablate = new Option<string[]>("--ablate") { Description = "F — clamp feature F to 0 (repeatable)", AllowMultipleArgumentsPerToken = false };
        var normalize = new Option<bool>("--normalize") { Description = "--add uses the unit-norm decoder column (V is then a length in the residual stream)" };
        var interveneOn = new Option<string>("--intervene-on") { Description = "all (prompt and answer) or generated (answer tokens only)", DefaultValueFactory = _ => "all" };
        var run = new Option<string?>("--run") { Description = "answer the prompts of this run (in --store) as a new arm of it, for the judge and `saex triangle` (with --arm)" };
        var arm = new Option<string?>("--arm") { Description = "with --run: the arm's name, e.g. ablate-novice (default: baseline without interventions)" };
        var store = new Option<string?>("--store") { Description = "LiteDB store: keeps answers and their features; a rerun generates only missing ones" };
        var command = new Command("generate", "Generate the model's answers, optionally steering, clamping or ablating SAE features.")
        {
            model, prompts, promptSet, output, sae, layer, forceLayer, maxNew, temperature, topP, topK, penalty, seed, batchSize,
            device, gpus, dtype, chatFormat, add, clamp, ablate, normalize, interveneOn, store, run, arm,
        };
        command.SetAction(r => CliRunner.Run("generate", () =>
        {
            bool norm = r.GetValue(normalize);
            var interventions = (r.GetValue(add) ?? []).Select(v => FeatureIntervention.Parse(InterventionKind.Add, v, normalize: norm))
                .Concat((r.GetValue(clamp) ?? []).Select(v => FeatureIntervention.Parse(InterventionKind.Clamp, v)))
                .Concat((r.GetValue(ablate) ?? []).Select(v => FeatureIntervention.Parse(InterventionKind.Clamp, v, ablate: true)))
                .ToList();
            var scope = r.GetValue(interveneOn)!.Trim().ToLowerInvariant() switch
            {
                "all" => InterventionScope.All,
                "generated" => InterventionScope.Generated,
                var other => throw new SettingsException(SettingsField.Intervention, $"--intervene-on '{other}' is not one of all, generated."),
            };
            if (norm && !interventions.Any(i => i.Kind == InterventionKind.Add))
                throw new SettingsException(SettingsField.Intervention, "--normalize changes --add; give at least one --add F:V.");
            var decoding = new DecodingOptions(r.GetValue(maxNew), r.GetValue(temperature), r.GetValue(topP), r.GetValue(topK), r.GetValue(penalty), r.GetValue(seed)).Validated();
            return Run(new GenerateArgs(r.GetValue(model)!, r.GetValue(prompts), r.GetValue(promptSet), r.GetValue(output)!, r.GetValue(sae), r.GetValue(layer),
                r.GetValue(forceLayer), decoding, interventions, scope, r.GetValue(batchSize), r.GetValue(device)!, r.GetValue(gpus), r.GetValue(dtype)!,
                r.GetValue(chatFormat)!, r.GetValue(store), r.GetValue(run), r.GetValue(arm)));
        }));
        return command;
    }

    private sealed record GenerateArgs(string Model, string? Prompts, string? PromptSet, string Out, string? Sae, int? Layer, bool ForceLayer,
        DecodingOptions Decoding, List<FeatureIntervention> Interventions, InterventionScope Scope, int BatchSize, string Device, int Gpus,
        string DType, string ChatFormat, string? Store, string? Run, string? Arm);

    private static int Run(GenerateArgs a)
    {
        var clock = Stopwatch.StartNew();
        if (a.Run is not null)
            return RunArm(a, clock);
        if (a.Arm is not null)
            throw new ArgumentException("--arm names an arm of a run: give the run with --run <id> (and --store).");
        if ((a.Prompts is null) == (a.PromptSet is null))
            throw new ArgumentException("give the prompts with exactly one of --prompts <file.jsonl>, --prompt-set <set.json | builtin> or --run <id>.");
        var model = SourceResolver.Model(a.Model);
        var sae = a.Sae is null ? null : SourceResolver.Sae(a.Sae, a.Layer);
        int? layer = sae is null ? null : LayerCheck.Ensure(model, sae, a.Layer, null, a.ForceLayer);
        if (sae is null && a.Layer is not null)
            throw new SettingsException(SettingsField.Sae, "--layer names the layer an SAE reads: give the SAE with --sae, or leave --layer out.");
        var prompts = a.Prompts is not null
            ? TokenizedPrompts.FromJsonl(a.Prompts, model, a.ChatFormat)
            : TokenizedPrompts.FromPromptSet(a.PromptSet == "builtin" ? PromptSets.BuiltIn() : PromptSets.Load(a.PromptSet!), a.PromptSet!, model, a.ChatFormat);
        var job = AnswerJob.Prepare(new AnswerRequest(model, sae, layer, ComputeDevice.Parse(a.Device), ComputeDTypes.Parse(a.DType),
            a.Decoding, a.Interventions, a.Scope, a.BatchSize, a.Gpus), prompts);

        using var featureStore = a.Store is null ? null : FeatureStore.Open(a.Store);
        int missing = job.Missing(featureStore).Count;
        Console.Error.WriteLine($"{prompts.Count} prompts: {prompts.Count - missing} answered in {a.Store ?? "(no store)"}, {missing} to generate; " +
                                $"{a.Decoding.Describe()}{(a.Interventions.Count > 0 ? "; " + string.Join(", ", a.Interventions) + $" on {a.Scope.ToString().ToLowerInvariant()} tokens" : "")}");
        var results = job.Run(featureStore, new RunCommand.ProgressPrinter());

        AnswersFile.Write(a.Out, AnswerLines.From(results, Llama3Tokenizer.Load(model.Directory), job.Settings));
        int tokens = results.Where(r => !r.Reused).Sum(r => r.Answer.NewIds.Length);
        Console.Error.WriteLine($"wrote {a.Out}: {results.Count} answers ({tokens} new tokens generated) in {clock.Elapsed.TotalSeconds:F1}s");
        return 0;
    }

    /// <summary>
    /// A new arm of a run: its prompts (tokenized with the run's chat format) answered by the run's model, with the
    /// given interventions, kept in the store beside the baseline so the two can be judged and compared prompt by prompt.
    /// </summary>
    private static int RunArm(GenerateArgs a, Stopwatch clock)
    {
        if (a.Store is null)
            throw new ArgumentException("--run reads the run from a store: give it with --store.");
        if (a.Prompts is not null || a.PromptSet is not null)
            throw new ArgumentException("--run answers the run's own prompts: leave out --prompts and --prompt-set.");
        using var featureStore = FeatureStore.Open(a.Store);
        var (record, identity, set) = new RunLifecycle(featureStore).Reopen(a.Run!);
        string arm = RunAnswerSet.CheckArm(a.Arm ?? (a.Interventions.Count == 0 ? RunAnswerSet.BaselineArm
            : throw new ArgumentException("name the intervened arm with --arm (e.g. --arm ablate-novice).")));
        if (arm == RunAnswerSet.BaselineArm && a.Interventions.Count > 0)
            throw new ArgumentException("the baseline arm has no interventions: name this arm with --arm.");
        var model = SourceResolver.Model(a.Model);
        if (model.Fingerprint != record.ModelFingerprint)
            throw new SettingsException(SettingsField.Model, $"{a.Model} is not the model run {record.RunId} used (fingerprints differ); give that model with --model.");
        var sae = a.Sae is null ? null : SourceResolver.Sae(a.Sae, a.Layer ?? record.Layer);
        if (sae is not null && sae.Fingerprint != record.SaeFingerprint)
            throw new SettingsException(SettingsField.Sae, $"{a.Sae} is not the SAE run {record.RunId} used (fingerprints differ); give that SAE with --sae.");
        int? layer = sae is null ? null : LayerCheck.Ensure(model, sae, a.Layer ?? record.Layer, null, a.ForceLayer);
        var baseline = featureStore.GetAnswerSet(record.RunId, RunAnswerSet.BaselineArm);
        if (arm != RunAnswerSet.BaselineArm && baseline is null)
            throw new ArgumentException($"run {record.RunId} has no baseline answers to compare the arm with: run `saex generate --run {record.RunId}` (no interventions) first.");
        if (baseline is not null && arm != RunAnswerSet.BaselineArm && baseline.Decoding != a.Decoding)
            Console.Error.WriteLine($"warning: the baseline was decoded with {baseline.Decoding.Describe()}, this arm with {a.Decoding.Describe()}: the arms differ by more than the interventions.");

        var prompts = TokenizedPrompts.FromPromptSet(set, $"run {record.RunId}", model, record.ChatFormat);
        var job = AnswerJob.Prepare(new AnswerRequest(model, sae, layer, ComputeDevice.Parse(a.Device), ComputeDTypes.Parse(a.DType),
            a.Decoding, a.Interventions, a.Scope, a.BatchSize, a.Gpus), prompts);
        int missing = job.Missing(featureStore).Count;
        Console.Error.WriteLine($"run {record.RunId}, arm {arm}: {prompts.Count - missing} answers in {a.Store}, {missing} to generate");
        var results = job.Run(featureStore, new RunCommand.ProgressPrinter());
        var tokenizer = Llama3Tokenizer.Load(model.Directory);
        var bySet = PromptSets.Expand(set).ToDictionary(p => p.Id);
        // The prompt side is the run's: its stored features pooled as the run pooled them.
        int PromptActive(PromptIds p) => featureStore.TryGet(identity.Key(p.Ids), out var cached)
            ? FeaturePooling.Pool(cached.Features, record.Pooling, cached.UserTokenPositions).ActiveCount
            : throw new RefusedException($"{a.Store} lacks the features of prompt {p.Id} of run {record.RunId}; run the experiment again.");
        featureStore.PutAnswerSet(RunAnswerSets.From(record.RunId, arm, results,
            [.. results.Select(r => (bySet[r.Prompt.Id].Topic, bySet[r.Prompt.Id].Condition, PromptActive(r.Prompt)))], tokenizer, job.Settings));
        AnswersFile.Write(a.Out, AnswerLines.From(results, tokenizer, job.Settings));
        Console.Error.WriteLine($"wrote {a.Out} and arm '{arm}' of run {record.RunId}: {results.Count} answers in {clock.Elapsed.TotalSeconds:F1}s");
        return 0;
    }
}
