using System.CommandLine;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Pipeline;
using SaeExplorer.Inference.Sources;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Storage;

namespace SaeExplorer.Cli.Commands;

/// <summary>An experiment as the command line describes it, checked and resolved.</summary>
internal sealed record ExperimentSetup(ExperimentRequest Request, string Store, string Out, string PoolName);

/// <summary>
/// The options that name an experiment — model, SAE, layer or preset, prompt set, store, pooling, contrasts, device —
/// shared by <c>saex run</c> and the commands that analyse a run, so they all mean the same thing by them.
/// </summary>
internal sealed class ExperimentOptions
{
    private readonly Option<string> _model = new("--model") { Description = "Hugging Face model directory", Required = true };
    private readonly Option<string> _sae = new("--sae") { Description = "SAE: Goodfire .pt, SAELens folder, or sparsify folder", Required = true };
    private readonly Option<int?> _layer = new("--layer") { Description = "decoder layer the SAE reads (0-based; the preset fills it in)" };
    private readonly Option<bool> _forceLayer = new("--force-layer") { Description = "read --layer even where the SAE's files say it was trained on another layer" };
    private readonly Option<string?> _preset = new("--preset") { Description = $"published SAE: {string.Join(", ", SaePresets.All.Select(p => p.Name))} (checks the files, fills layer and chat format)" };
    private readonly Option<string?> _promptSet = new("--prompt-set") { Description = "prompt-set JSON (default: the built-in six styles × 50 topics)" };
    private readonly Option<string> _store = new("--store") { Description = "LiteDB feature store (cache shared by runs)", DefaultValueFactory = _ => "saex.db" };
    private readonly Option<string> _out;
    private readonly Option<string> _device = new("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
    private readonly Option<string> _dtype = new("--dtype") { Description = "float32 or bfloat16", DefaultValueFactory = _ => "float32" };
    private readonly Option<string> _pool = new("--pool") { Description = "last | mean | max | user (max over the user's message tokens)", DefaultValueFactory = _ => "last" };
    private readonly Option<string?> _chatFormat = new("--chat-format") { Description = "auto, llama3, llama3.1, llama3.3, none (default auto, or the preset's)" };
    private readonly Option<int> _batchSize = new("--batch-size") { Description = "prompts per forward pass", DefaultValueFactory = _ => 8 };
    private readonly Option<string[]> _contrast = new("--contrast")
    {
        Description = "conditions to compare, A:B or A:rest (repeatable; default novice:expert)",
        DefaultValueFactory = _ => ["novice:expert"],
        AllowMultipleArgumentsPerToken = false,
    };

    public ExperimentOptions(string defaultOut) =>
        _out = new Option<string>("--out") { Description = "directory for the outputs", DefaultValueFactory = _ => defaultOut };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _model, _sae, _layer, _forceLayer, _preset, _promptSet, _store, _out, _device, _dtype, _pool, _chatFormat, _batchSize, _contrast })
            command.Options.Add(option);
    }

    public ExperimentSetup Resolve(ParseResult r)
    {
        int batchSize = r.GetValue(_batchSize);
        if (batchSize < 1)
            throw new ArgumentException($"--batch-size must be at least 1 (got {batchSize}).");
        string poolName = r.GetValue(_pool)!.Trim().ToLowerInvariant();
        var pooling = poolName switch
        {
            "last" => PoolingMethod.Last,
            "mean" => PoolingMethod.Mean,
            "max" => PoolingMethod.Max,
            "user" => PoolingMethod.User,
            _ => throw new ArgumentException($"--pool '{poolName}' is not one of last, mean, max, user."),
        };
        var device = ComputeDevice.Parse(r.GetValue(_device)!);
        var dtype = ComputeDTypes.Parse(r.GetValue(_dtype)!);
        var preset = r.GetValue(_preset) is { } presetName ? SaePresets.Get(presetName) : null;
        int? layerOption = r.GetValue(_layer) ?? preset?.Layer;
        var model = SourceResolver.Model(r.GetValue(_model)!);
        var sae = SourceResolver.Sae(r.GetValue(_sae)!, layerOption);
        int layer = LayerCheck.Ensure(model, sae, layerOption, preset, r.GetValue(_forceLayer));
        string chatFormat = r.GetValue(_chatFormat) ?? preset?.ChatFormat ?? "auto";

        var set = r.GetValue(_promptSet) is { } path ? PromptSets.Load(path) : PromptSets.BuiltIn();
        var contrasts = ParseContrasts(r.GetValue(_contrast) ?? [], set);
        var request = new ExperimentRequest(model, sae, layer, chatFormat, set, pooling, device, dtype, batchSize, contrasts);
        return new ExperimentSetup(request, r.GetValue(_store)!, r.GetValue(_out)!, poolName);
    }

    internal static List<Contrast> ParseContrasts(string[] values, PromptSet set)
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

    /// <summary>
    /// Runs the experiment's pipeline against the store (a cache hit when <c>saex run</c> already did the work) and
    /// returns its result, for the commands that analyse a run.
    /// </summary>
    public static ExperimentResult Load(ExperimentSetup setup)
    {
        using var store = FeatureStore.Open(setup.Store);
        var progress = new RunCommand.ProgressPrinter();
        var result = new ExperimentPipeline().Run(ExperimentPipeline.Prepare(setup.Request, progress), store, progress);
        if (result.ComputedCount > 0)
            Console.Error.WriteLine($"computed {result.ComputedCount} prompts that were not in {setup.Store} yet");
        return result;
    }
}
