using Mediator;
using Microsoft.AspNetCore.Components;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Web.Application.Models;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Components.Pages.Settings;

public sealed partial class Settings
{
    [Inject] private IMediator Mediator { get; set; } = null!;
    [Inject] private PathPolicy Paths { get; set; } = null!;

    private string? _preset;
    private string? _model;
    private string? _sae;
    private int? _layer;
    private string _device = "cpu";
    private string _dtype = "float32";
    private IReadOnlyList<SettingsProblem> _problems = [];
    private string? _message;
    private bool _busy;

    protected override void OnInitialized()
    {
        base.OnInitialized();
        if (Status.Info is { Spec.IsDemo: false } info)
            (_model, _sae, _layer, _device, _dtype) = (info.Spec.Model.Directory, info.Spec.Sae.Path, info.Spec.Layer, info.Spec.Device.ToString(), info.Spec.DType.Name());
    }

    private ModelSettings Current => new(_model, _sae, _layer, _device, _dtype, _preset);

    private bool Has(string field) => _problems.Any(p => p.Field == field);

    private string? Problem(string field) => _problems.FirstOrDefault(p => p.Field == field)?.Message;

    private void OnPresetChanged(string? name)
    {
        _preset = name;
        if (SaePresets.All.FirstOrDefault(p => p.Name == name) is { } preset)
            _layer = preset.Layer;
    }

    private async Task ValidateAsync()
    {
        _problems = await Mediator.Send(new ValidateModelSettingsQuery(Current));
        _message = _problems.Count == 0 ? "These settings look right; Load to use them." : $"{_problems.Count} problem(s): see the fields above.";
    }

    private Task ApplyAsync() => RunAsync(Current, "Loaded.");

    private Task UseDemoAsync() => RunAsync(null, "Loaded the demo model.");

    private async Task RunAsync(ModelSettings? settings, string success)
    {
        _busy = true;
        _message = "Loading …";
        try
        {
            _problems = await Mediator.Send(new ApplyModelSettingsCommand(settings));
            _message = _problems.Count == 0 ? success : _problems.Count == 1 && _problems[0].Field == "model" ? _problems[0].Message : $"{_problems.Count} problem(s): see the fields above.";
        }
        finally
        {
            _busy = false;
        }
    }
}
