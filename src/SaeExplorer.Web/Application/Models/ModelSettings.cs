using Mediator;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Inference.Live;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Inference.Runtime;
using SaeExplorer.Inference.Saes;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Application.Models;

/// <summary>What the Settings form holds.</summary>
public sealed record ModelSettings(string? ModelDirectory, string? SaePath, int? Layer, string Device, string DType, string? Preset);

/// <summary>One problem with the settings, attached to the field it concerns ("model", "sae", "layer", "device", "dtype", "preset").</summary>
public sealed record SettingsProblem(string Field, string Message);

/// <summary>Checks settings against the files (headers only: nothing large is read) without loading anything.</summary>
public sealed record ValidateModelSettingsQuery(ModelSettings Settings) : IRequest<IReadOnlyList<SettingsProblem>>;

/// <summary>Loads the model of valid settings (null settings: the demo model); answers with the problems otherwise.</summary>
public sealed record ApplyModelSettingsCommand(ModelSettings? Settings) : IRequest<IReadOnlyList<SettingsProblem>>;

public sealed class ModelSettingsHandler(PathPolicy paths, ModelHost host) :
    IRequestHandler<ValidateModelSettingsQuery, IReadOnlyList<SettingsProblem>>,
    IRequestHandler<ApplyModelSettingsCommand, IReadOnlyList<SettingsProblem>>
{
    public ValueTask<IReadOnlyList<SettingsProblem>> Handle(ValidateModelSettingsQuery request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Validate(request.Settings, out _));

    public async ValueTask<IReadOnlyList<SettingsProblem>> Handle(ApplyModelSettingsCommand request, CancellationToken cancellationToken)
    {
        if (request.Settings is null)
        {
            await host.LoadAsync(null, cancellationToken);
            return [];
        }
        var problems = Validate(request.Settings, out var spec);
        if (problems.Count > 0 || spec is null)
            return problems;
        try
        {
            await host.LoadAsync(spec, cancellationToken);
            return [];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return [new SettingsProblem("model", e.Message)];
        }
    }

    public IReadOnlyList<SettingsProblem> Validate(ModelSettings s, out ModelSpec? spec)
    {
        spec = null;
        var problems = new List<SettingsProblem>();
        SaePreset? preset = null;
        if (!string.IsNullOrWhiteSpace(s.Preset))
        {
            preset = SaePresets.All.FirstOrDefault(p => p.Name == s.Preset);
            if (preset is null)
                problems.Add(new("preset", $"unknown preset '{s.Preset}'; the presets are {string.Join(", ", SaePresets.All.Select(p => p.Name))}."));
        }
        string? model = Check("model", s.ModelDirectory, "model folder", problems);
        string? sae = Check("sae", s.SaePath, "SAE", problems);
        int? layer = s.Layer ?? preset?.Layer;
        LlamaConfig? config = null;
        if (model is not null)
        {
            var configPath = Path.Combine(model, "config.json");
            if (!Directory.Exists(model))
                problems.Add(new("model", $"{model} does not exist or is not a folder."));
            else if (!File.Exists(configPath))
                problems.Add(new("model", $"{model} has no config.json; give the folder of a Hugging Face Llama checkpoint."));
            else
            {
                try
                {
                    config = LlamaConfig.Load(configPath);
                }
                catch (Exception e) when (e is IOException or ArgumentException or FormatException or System.Text.Json.JsonException or Inference.Loading.CheckpointException)
                {
                    problems.Add(new("model", e.Message));
                }
            }
        }
        if (layer is null)
            problems.Add(new("layer", "give the decoder layer the SAE reads (or choose a preset)."));
        else if (config is not null && (layer < 0 || layer >= config.NumHiddenLayers))
            problems.Add(new("layer", $"layer {layer} does not exist: the model has decoder layers 0..{config.NumHiddenLayers - 1}."));
        if (sae is not null)
        {
            try
            {
                var (dIn, dSae) = SaeLoader.ReadDimensions(sae, layer);
                if (config is not null && dIn != config.HiddenSize)
                    problems.Add(new("sae", $"the SAE reads width {dIn} but the model's residual stream is {config.HiddenSize} wide; it was trained on another model."));
                if (preset is not null && (dIn != preset.SaeDIn || dSae != preset.SaeDSae))
                    problems.Add(new("sae", $"preset {preset.Name} expects an SAE of {preset.SaeDIn} → {preset.SaeDSae}; this one is {dIn} → {dSae}."));
            }
            catch (Exception e) when (e is IOException or ArgumentException or Inference.Loading.CheckpointException or InvalidDataException or UnauthorizedAccessException)
            {
                problems.Add(new("sae", e.Message));
            }
        }
        if (preset is not null && config is not null && config.HiddenSize != preset.ModelHiddenSize)
            problems.Add(new("model", $"preset {preset.Name} is for {preset.ModelRepository} (width {preset.ModelHiddenSize}); this model is {config.HiddenSize} wide."));
        try
        {
            ComputeTarget.ParseDevice(s.Device);
        }
        catch (ArgumentException e)
        {
            problems.Add(new("device", e.Message));
        }
        try
        {
            ComputeTarget.ParseDType(s.DType);
        }
        catch (ArgumentException e)
        {
            problems.Add(new("dtype", e.Message));
        }
        if (problems.Count == 0)
            spec = new ModelSpec(model!, sae!, layer!.Value, s.Device, s.DType);
        return problems;
    }

    private string? Check(string field, string? path, string what, List<SettingsProblem> problems)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            problems.Add(new(field, $"give the path of the {what}."));
            return null;
        }
        try
        {
            return paths.Resolve(path, what);
        }
        catch (UnauthorizedAccessException e)
        {
            problems.Add(new(field, e.Message));
            return null;
        }
    }
}
