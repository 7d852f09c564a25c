using Mediator;
using Microsoft.AspNetCore.Components;
using SaeExplorer.Web.Application.Answers;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Components.Pages.Answers;

/// <summary>
/// The address is the page's state: every choice navigates to an address, and the view is loaded from the address, so
/// a link or a reload opens exactly what was on screen.
/// </summary>
public sealed partial class Answers
{
    [Inject] private IMediator Mediator { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;

    [SupplyParameterFromQuery(Name = "run")] public string? RunId { get; set; }
    [SupplyParameterFromQuery(Name = "arm")] public string? Arm { get; set; }
    [SupplyParameterFromQuery(Name = "topic")] public string? Topic { get; set; }
    [SupplyParameterFromQuery(Name = "judge")] public string? Judge { get; set; }

    private AnswersView? _view;
    private string? _error;

    protected override async Task OnParametersSetAsync()
    {
        // The address changes when this page puts the choices in effect into it; that view is on screen already.
        if (_view is { } v && (v.RunId, v.Arm, v.Topic, v.Judge) == (RunId, Arm, Topic, Judge))
            return;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        try
        {
            _view = await Mediator.Send(new AnswersQuery(RunId, Arm, Topic, Judge));
            _error = null;
        }
        catch (UserError e)
        {
            _error = e.Message;
            return;
        }
        // Defaults chosen for a bare or outdated address go into it, so a copied link names them.
        if ((_view.RunId, _view.Arm, _view.Topic, _view.Judge) != (RunId, Arm, Topic, Judge))
            Show(_view.RunId, _view.Arm, _view.Topic, _view.Judge);
    }

    private void Show(string? run, string? arm, string? topic, string? judge) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>
        {
            ["run"] = run,
            ["arm"] = arm,
            ["topic"] = topic,
            ["judge"] = judge,
        }), replace: true);

    // Another run has its own arms, topics and judges: the view picks them afresh.
    private void OnRunChanged(string run) => Show(run, null, null, null);

    private void OnArmChanged(string arm) => Show(_view?.RunId, arm, _view?.Topic, _view?.Judge);

    private void OnTopicChanged(string? topic)
    {
        // Clearing the search box is not a choice of topic.
        if (topic is not null)
            Show(_view?.RunId, _view?.Arm, topic, _view?.Judge);
    }

    private void OnJudgeChanged(string judge) => Show(_view?.RunId, _view?.Arm, _view?.Topic, judge);

    private Task<IEnumerable<string>> SearchTopics(string? text, CancellationToken cancellation) =>
        Task.FromResult((_view?.Topics ?? []).Where(t => string.IsNullOrWhiteSpace(text) || t.Contains(text.Trim(), StringComparison.OrdinalIgnoreCase)));

    /// <summary>A judging of this run finished: show its verdicts.</summary>
    private async Task OnJudgedAsync(string judge)
    {
        if (judge == _view?.Judge)
            await LoadAsync();
        else
            Show(_view?.RunId, _view?.Arm, _view?.Topic, judge);
    }
}
