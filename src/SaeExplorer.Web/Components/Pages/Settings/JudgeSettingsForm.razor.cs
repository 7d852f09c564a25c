using Mediator;
using Microsoft.AspNetCore.Components;
using SaeExplorer.Web.Application.Answers;
using SaeExplorer.Web.Application.Models;

namespace SaeExplorer.Web.Components.Pages.Settings;

public sealed partial class JudgeSettingsForm
{
    [Inject] private IMediator Mediator { get; set; } = null!;

    private string? _url;
    private string? _model;
    private string? _keyVariable;
    private string _format = "auto";
    private int _concurrency;
    private JudgeSettingsView? _applied;
    private IReadOnlyList<SettingsProblem> _problems = [];
    private string? _message;

    protected override async Task OnInitializedAsync()
    {
        _applied = await Mediator.Send(new GetJudgeSettingsQuery());
        (_url, _model, _keyVariable, _format, _concurrency) = _applied.Settings;
    }

    private bool Has(string field) => _problems.Any(p => p.Field == field);

    private string? Problem(string field) => _problems.FirstOrDefault(p => p.Field == field)?.Message;

    private async Task ApplyAsync()
    {
        _problems = await Mediator.Send(new ApplyJudgeSettingsCommand(new JudgeSettings(_url ?? "", _model ?? "", _keyVariable ?? "", _format, _concurrency)));
        _message = _problems.Count == 0 ? "The Answers page judges with these settings now." : $"{_problems.Count} problem(s): see the fields above.";
        _applied = await Mediator.Send(new GetJudgeSettingsQuery());
    }
}
