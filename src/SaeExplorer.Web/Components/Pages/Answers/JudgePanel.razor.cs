using System.Globalization;
using Mediator;
using Microsoft.AspNetCore.Components;
using SaeExplorer.Judge;
using SaeExplorer.Web.Application.Answers;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Components.Pages.Answers;

/// <summary>Starts, follows and cancels the judging of one run; the judging itself belongs to the app (<see cref="JudgeJobs"/>).</summary>
public sealed partial class JudgePanel : IDisposable
{
    [Inject] private IMediator Mediator { get; set; } = null!;
    [Inject] private JudgeJobs Jobs { get; set; } = null!;

    [Parameter, EditorRequired] public string RunId { get; set; } = "";

    /// <summary>Called with the judge model when a judging of this run completes while the panel is open.</summary>
    [Parameter] public EventCallback<string> Judged { get; set; }

    private JudgeSettingsView? _settings;
    private JudgeJobSnapshot? _job;
    private string? _startError;
    private PairScope _pairs = PairScope.Baseline;
    private bool _starting;
    private string? _shownRun;

    private bool Running => _job?.State == JudgeJobState.Running;

    private string? Error => _startError ?? _job?.Error;

    protected override async Task OnInitializedAsync()
    {
        Jobs.Changed += OnJobChanged;
        _settings = await Mediator.Send(new GetJudgeSettingsQuery());
    }

    protected override async Task OnParametersSetAsync()
    {
        if (RunId == _shownRun)
            return;
        _shownRun = RunId;
        _startError = null;
        _job = await Mediator.Send(new JudgeJobQuery(RunId));
    }

    private async Task StartAsync()
    {
        _starting = true;
        _startError = null;
        try
        {
            _settings = await Mediator.Send(new GetJudgeSettingsQuery());
            _job = await Mediator.Send(new StartJudgeCommand(RunId, _pairs));
        }
        catch (UserError e)
        {
            _startError = e.Message;
        }
        finally
        {
            _starting = false;
        }
    }

    private async Task CancelAsync() => await Mediator.Send(new CancelJudgeCommand(RunId));

    private void OnJobChanged(JudgeJobSnapshot job)
    {
        if (job.RunId != RunId)
            return;
        _ = InvokeAsync(async () =>
        {
            // Calls finish on several threads, so two progress reports can arrive swapped; the count never goes back.
            if (job.State == JudgeJobState.Running && _job is { State: JudgeJobState.Running } shown && job.Done < shown.Done)
                return;
            _job = job;
            if (job.State == JudgeJobState.Completed)
                await Judged.InvokeAsync(job.JudgeModel);
            StateHasChanged();
        });
    }

    private static double Percent(JudgeJobSnapshot job) => job.Total == 0 ? 0 : 100.0 * job.Done / job.Total;

    private static string Status(JudgeJobSnapshot job) => job.State switch
    {
        JudgeJobState.Running => string.Create(CultureInfo.InvariantCulture, $"{job.JudgeModel}: {job.Done:N0} / {job.Total:N0} calls ({job.Cached:N0} from the store)"),
        JudgeJobState.Completed => string.Create(CultureInfo.InvariantCulture, $"{job.JudgeModel}: judged, {job.Total:N0} calls ({job.Cached:N0} from the store)"),
        JudgeJobState.Cancelled => string.Create(CultureInfo.InvariantCulture, $"{job.JudgeModel}: cancelled after {job.Done:N0} / {job.Total:N0} calls; the replies so far are kept"),
        _ => $"{job.JudgeModel}: stopped",
    };

    public void Dispose() => Jobs.Changed -= OnJobChanged;
}
