using Mediator;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Inference.Live;
using SaeExplorer.Inference.Sources;
using SaeExplorer.Runs.Settings;
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

/// <summary>
/// Loads the model, SAE and layer a run was made with, in the run's dtype on the device in use now, checked as Settings
/// checks them (allowed roots, widths, the SAE's own layer); answers with the problems otherwise.
/// </summary>
public sealed record LoadRunModelCommand(Runs.RunSetup Setup) : IRequest<IReadOnlyList<SettingsProblem>>;

public sealed class ModelSettingsHandler(PathPolicy paths, ModelHost host) :
    IRequestHandler<ValidateModelSettingsQuery, IReadOnlyList<SettingsProblem>>,
    IRequestHandler<ApplyModelSettingsCommand, IReadOnlyList<SettingsProblem>>,
    IRequestHandler<LoadRunModelCommand, IReadOnlyList<SettingsProblem>>
{
    public ValueTask<IReadOnlyList<SettingsProblem>> Handle(LoadRunModelCommand request, CancellationToken cancellationToken)
    {
        var setup = request.Setup;
        if (setup.ModelPath is null || setup.SaePath is null)
            return ValueTask.FromResult<IReadOnlyList<SettingsProblem>>([new SettingsProblem("model", "this run was recorded before runs kept where their model and SAE were; load them in Settings.")]);
        var device = host.Status.Info?.Spec.Device.ToString() ?? "cpu";
        return Handle(new ApplyModelSettingsCommand(new ModelSettings(setup.ModelPath, setup.SaePath, setup.Layer, device, setup.DType, null)), cancellationToken);
    }

    public ValueTask<IReadOnlyList<SettingsProblem>> Handle(ValidateModelSettingsQuery request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Validate(request.Settings, out _));

    public async ValueTask<IReadOnlyList<SettingsProblem>> Handle(ApplyModelSettingsCommand request, CancellationToken cancellationToken)
    {
        if (request.Settings is null)
        {
            await host.LoadChosenAsync(null, cancellationToken);
            return [];
        }
        var problems = Validate(request.Settings, out var spec);
        if (problems.Count > 0 || spec is null)
            return problems;
        try
        {
            await host.LoadChosenAsync(spec, cancellationToken);
            return [];
        }
        catch (SettingsException e)
        {
            return [Problem(e)];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return [new SettingsProblem("model", e.Message)];
        }
    }

    /// <summary>
    /// Resolves the model folder and the SAE (headers only) and checks them, the layer and the preset against each other
    /// (<see cref="LayerCheck"/>): every problem at once, each under its field.
    /// </summary>
    public IReadOnlyList<SettingsProblem> Validate(ModelSettings s, out ModelSpec? spec)
    {
        spec = null;
        var problems = new List<SettingsException>();
        SaePreset? preset = null;
        if (!string.IsNullOrWhiteSpace(s.Preset))
        {
            preset = SaePresets.All.FirstOrDefault(p => p.Name == s.Preset);
            if (preset is null)
                problems.Add(new(SettingsField.Preset, $"unknown preset '{s.Preset}'; the presets are {string.Join(", ", SaePresets.All.Select(p => p.Name))}."));
        }
        int? layer = s.Layer ?? preset?.Layer;
        var model = Resolve(SettingsField.Model, s.ModelDirectory, "model folder", problems, SourceResolver.Model);
        var sae = Resolve(SettingsField.Sae, s.SaePath, "SAE", problems, path => SourceResolver.Sae(path, layer));
        problems.AddRange(LayerCheck.Problems(model, sae, layer, preset));
        var device = Resolve(problems, () => ComputeDevice.Parse(s.Device));
        var dtype = Resolve(problems, () => ComputeDTypes.Parse(s.DType));
        if (problems.Count == 0)
            spec = new ModelSpec(model!, sae!, layer!.Value, device!.Value, dtype!.Value);
        return problems.Select(Problem).ToList();
    }

    private static SettingsProblem Problem(SettingsException e) => new(e.Field.ToString().ToLowerInvariant(), e.Message);

    private T? Resolve<T>(SettingsField field, string? path, string what, List<SettingsException> problems, Func<string, T> resolve) where T : class
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            problems.Add(new(field, $"give the path of the {what}."));
            return null;
        }
        try
        {
            return resolve(paths.Resolve(path, what));
        }
        catch (Exception e) when (e is UnauthorizedAccessException or ArgumentException)
        {
            problems.Add(new(field, e.Message));
        }
        catch (SettingsException e)
        {
            problems.Add(e);
        }
        return null;
    }

    private static T? Resolve<T>(List<SettingsException> problems, Func<T> parse) where T : struct
    {
        try
        {
            return parse();
        }
        catch (SettingsException e)
        {
            problems.Add(e);
            return null;
        }
    }
}
