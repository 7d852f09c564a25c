using System.CommandLine;
using System.Diagnostics;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Models.Llama;
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
        var model = new Option<string>("--model") { Description = "Hugging Face model directory", Required = true };
        var sae = new Option<string>("--sae") { Description = "SAE: Goodfire .pt, SAELens folder, or sparsify folder", Required = true };
        var layer = new Option<int?>("--layer") { Description = "decoder layer the SAE reads (0-based; the preset fills it in)" };
        var preset = new Option<string?>("--preset") { Description = $"published SAE: {string.Join(", ", SaePresets.All.Select(p => p.Name))} (checks the files, fills layer and chat format)" };
        var promptSet = new Option<string?>("--prompt-set") { Description = "prompt-set JSON (default: the built-in six styles × 50 topics)" };
        var store = new Option<string>("--store") { Description = "LiteDB feature store (cache shared by runs)", DefaultValueFactory = _ => "saex.db" };
        var output = new Option<string>("--out") { Description = "directory for the artefacts", DefaultValueFactory = _ => "saex-out" };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
        var dtype = new Option<string>("--dtype") { Description = "float32 or bfloat16", DefaultValueFactory = _ => "float32" };
        var pool = new Option<string>("--pool") { Description = "last | mean | max | user (max over the user's message tokens)", DefaultValueFactory = _ => "last" };
        var chatFormat = new Option<string?>("--chat-format") { Description = "auto, llama3, llama3.1, llama3.3, none (default auto, or the preset's)" };
        var batchSize = new Option<int>("--batch-size") { Description = "prompts per forward pass", DefaultValueFactory = _ => 8 };
        var contrast = new Option<string[]>("--contrast")
        {
            Description = "conditions to compare, A:B or A:rest (repeatable; default novice:expert)",
            DefaultValueFactory = _ => ["novice:expert"],
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("run", "Run an experiment: capture → SAE encode → store → analysis.")
        {
            model, sae, layer, preset, promptSet, store, output, device, dtype, pool, chatFormat, batchSize, contrast,
        };
        command.SetAction(r => CliRunner.Run("run", () => Run(new RunArgs(
            r.GetValue(model)!, r.GetValue(sae)!, r.GetValue(layer), r.GetValue(preset), r.GetValue(promptSet), r.GetValue(store)!,
            r.GetValue(output)!, r.GetValue(device)!, r.GetValue(dtype)!, r.GetValue(pool)!, r.GetValue(chatFormat), r.GetValue(batchSize),
            r.GetValue(contrast) ?? []))));
        return command;
    }

    private sealed record RunArgs(string Model, string Sae, int? Layer, string? Preset, string? PromptSet, string Store, string Out,
        string Device, string DType, string Pool, string? ChatFormat, int BatchSize, string[] Contrasts);

    private static PoolingMethod ParsePooling(string value) => value.Trim().ToLowerInvariant() switch
    {
        "last" => PoolingMethod.Last,
        "mean" => PoolingMethod.Mean,
        "max" => PoolingMethod.Max,
        "user" => PoolingMethod.User,
        _ => throw new ArgumentException($"--pool '{value}' is not one of last, mean, max, user."),
    };

    private static List<Contrast> ParseContrasts(string[] values, PromptSet set)
    {
        var names = set.Conditions.Select(c => c.Name).ToHashSet();
        var result = new List<Contrast>();
        foreach (var v in values)
        {
            var parts = v.Split(':');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new ArgumentException($"--contrast '{v}' should be A:B or A:rest.");
            foreach (var name in parts.Where(p => p != Contrast.RestName))
                if (!names.Contains(name))
                    throw new ArgumentException($"--contrast '{v}': no condition '{name}' in the prompt set (it has {string.Join(", ", names)}).");
            result.Add(new Contrast(parts[0], parts[1] == Contrast.RestName ? null : parts[1]));
        }
        return result;
    }

    private static int Run(RunArgs a)
    {
        var clock = Stopwatch.StartNew();
        if (a.BatchSize < 1)
            throw new ArgumentException($"--batch-size must be at least 1 (got {a.BatchSize}).");
        var pooling = ParsePooling(a.Pool);
        var target = ComputeTarget.Parse(a.Device, a.DType);
        if (!Directory.Exists(a.Model))
            throw new DirectoryNotFoundException($"{a.Model}: model directory not found.");
        var config = LlamaConfig.Load(Path.Combine(a.Model, "config.json"));

        int layer;
        string chatFormat = a.ChatFormat ?? "auto";
        if (a.Preset is not null)
        {
            var preset = SaePresets.Get(a.Preset);
            CheckPreset(preset, config, a);
            layer = a.Layer ?? preset.Layer;
            if (layer != preset.Layer)
                throw new ArgumentException($"--layer {layer} contradicts preset {preset.Name}, whose SAE reads layer {preset.Layer}.");
            chatFormat = a.ChatFormat ?? preset.ChatFormat;
        }
        else
        {
            layer = a.Layer ?? throw new ArgumentException("give --layer (the decoder layer the SAE was trained on) or a --preset.");
        }

        var set = a.PromptSet is null ? PromptSets.BuiltIn() : PromptSets.Load(a.PromptSet);
        var contrasts = ParseContrasts(a.Contrasts, set);
        var request = new ExperimentRequest(a.Model, a.Sae, layer, chatFormat, set, pooling, target, a.BatchSize, contrasts);

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

        var files = ExperimentArtefacts.Write(result, layer, a.Pool.ToLowerInvariant(), ComputeTarget.DTypeName(target.DType), a.Out);
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

    private static void CheckPreset(SaePreset preset, LlamaConfig config, RunArgs a)
    {
        if (config.HiddenSize != preset.ModelHiddenSize || config.NumHiddenLayers != preset.ModelLayers)
            throw new ArgumentException(
                $"{a.Model} is not {preset.ModelRepository}: it has hidden size {config.HiddenSize} and {config.NumHiddenLayers} layers, the preset needs {preset.ModelHiddenSize} and {preset.ModelLayers}.");
        var (dIn, dSae) = SaeLoader.ReadDimensions(a.Sae, preset.Layer);
        if (dIn != preset.SaeDIn || dSae != preset.SaeDSae)
            throw new ArgumentException(
                $"{a.Sae} is not {preset.SaeRepository}: it maps {dIn} → {dSae}, the preset needs {preset.SaeDIn} → {preset.SaeDSae}.");
    }

    /// <summary>One progress bar per pipeline stage.</summary>
    private sealed class ProgressPrinter : IProgress<PipelineProgress>
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
