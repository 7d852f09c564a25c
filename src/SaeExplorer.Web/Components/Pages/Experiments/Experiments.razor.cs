using System.Globalization;
using Mediator;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;
using SaeExplorer.Core.Features;
using SaeExplorer.Runs;
using SaeExplorer.Web.Application.Experiments;
using SaeExplorer.Web.Application.Models;
using SaeExplorer.Web.Application.Runs;

namespace SaeExplorer.Web.Components.Pages.Experiments;

public sealed partial class Experiments : IDisposable
{
    /// <summary>How many topics a collapsed set lists before "… and N more".</summary>
    private const int TopicPreview = 12;

    private const string ComparePage = "/compare";
    private const string UmapPage = "/umap";

    [Inject] private IMediator Mediator { get; set; } = null!;
    [Inject] private RunCatalog Catalog { get; set; } = null!;
    [Inject] private RunSelection Selection { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;
    [Inject] private ISnackbar Snackbar { get; set; } = null!;

    private IReadOnlyList<PromptSetSummary>? _sets;
    private List<RunSnapshot>? _runs;
    private string? _selected;
    private PoolingMethod _pooling = PoolingMethod.User;
    private string _chatFormat = "auto";
    private bool _starting;
    private bool _loadingModel;
    private string? _runError;
    private string? _importError;

    private string _name = "";
    private string _description = "";
    private readonly List<ConditionForm> _conditions = [new(), new()];
    private string _topics = "";
    private string? _saveError;

    /// <summary>A condition row of the form (mutable for two-way binding; sent as a <see cref="ConditionDraft"/>).</summary>
    private sealed class ConditionForm
    {
        public string Name { get; set; } = "";
        public string Template { get; set; } = "";
        public string? SystemPrompt { get; set; }
    }

    /// <summary>Runs going on in this app now, whoever started them (a run outlives the page that started it).</summary>
    private IEnumerable<RunSnapshot> Active => (_runs ?? []).Where(r => r.Status == RunStatus.Running && r.Stage != "interrupted");

    protected override async Task OnInitializedAsync()
    {
        Catalog.Changed += OnRunChanged;
        await LoadSetsAsync();
        _selected = _sets?.FirstOrDefault()?.Name;
        _runs = (await Mediator.Send(new ListRunsQuery())).ToList();
    }

    private async Task LoadSetsAsync() => _sets = await Mediator.Send(new ListPromptSetsQuery());

    private void OnRunChanged(RunSnapshot snapshot) => _ = InvokeAsync(() =>
    {
        if (_runs is null)
            return;
        int at = _runs.FindIndex(r => r.RunId == snapshot.RunId);
        if (at >= 0)
            _runs[at] = snapshot;
        else
            _runs.Insert(0, snapshot);
        StateHasChanged();
    });

    private async Task RunAsync()
    {
        if (_selected is null)
            return;
        _starting = true;
        _runError = null;
        try
        {
            var result = await Mediator.Send(new StartRunCommand(_selected, _pooling, _chatFormat));
            _runError = result.Error;
        }
        finally
        {
            _starting = false;
        }
    }

    private async Task CancelAsync(string runId)
    {
        if (!await Mediator.Send(new CancelRunCommand(runId)))
            Snackbar.Add($"Run {runId} is no longer running.", Severity.Info);
    }

    private async Task SaveAsync()
    {
        var draft = new PromptSetDraft(_name, _description, _conditions.Select(c => new ConditionDraft(c.Name, c.Template, c.SystemPrompt)).ToList(), _topics);
        var result = await Mediator.Send(new SavePromptSetCommand(draft));
        _saveError = result.Error;
        if (result.Saved is { } saved)
            await SavedAsync(saved.Name);
    }

    private async Task ImportAsync(IBrowserFile? file)
    {
        if (file is null)
            return;
        _importError = null;
        if (file.Size > ImportPromptSetCommand.MaxBytes)
        {
            _importError = string.Create(CultureInfo.InvariantCulture,
                $"{file.Name}: the file is {file.Size:N0} bytes; a prompt set file may be at most {ImportPromptSetCommand.MaxBytes:N0}.");
            return;
        }
        string json;
        try
        {
            await using var stream = file.OpenReadStream(ImportPromptSetCommand.MaxBytes);
            using var reader = new StreamReader(stream);
            json = await reader.ReadToEndAsync();
        }
        catch (IOException e)
        {
            _importError = $"{file.Name}: could not read the file ({e.Message}).";
            return;
        }
        var result = await Mediator.Send(new ImportPromptSetCommand(file.Name, json));
        _importError = result.Error;
        if (result.Saved is { } saved)
            await SavedAsync(saved.Name);
    }

    private async Task SavedAsync(string name)
    {
        await LoadSetsAsync();
        _selected = name;
        Snackbar.Add($"Saved prompt set '{name}'; it is selected for the next run.", Severity.Success);
    }

    /// <summary>Loads the model, SAE and layer a run was made with (checked as Settings checks them), so the run can be opened.</summary>
    private async Task LoadModelOfAsync(RunSnapshot run)
    {
        _loadingModel = true;
        try
        {
            var problems = await Mediator.Send(new LoadRunModelCommand(run.Setup));
            if (problems.Count > 0)
                Snackbar.Add($"Cannot load the model of run {run.RunId}: {string.Join(" ", problems.Select(p => p.Message))}", Severity.Error);
            else
                Snackbar.Add($"Loaded the model of run {run.RunId}.", Severity.Success);
            _runs = (await Mediator.Send(new ListRunsQuery())).ToList();
        }
        finally
        {
            _loadingModel = false;
        }
    }

    private void Open(string runId, string page)
    {
        Selection.RunId = runId;
        Navigation.NavigateTo(page);
    }

    private static double Percent(RunSnapshot r) => r.Total == 0 ? 0 : 100.0 * r.Done / r.Total;

    private static string ProgressText(RunSnapshot r) =>
        r.Total == 0 ? $"{r.Stage}: nothing to compute, every prompt is cached" : $"{r.Stage}: {r.Done} / {r.Total} prompts";

    private static string StatusText(RunSnapshot r) => r.Stage == "interrupted" ? "interrupted" : r.Status.ToString().ToLowerInvariant();

    private static string Duration(RunSnapshot r) =>
        r.FinishedAt is { } end ? string.Create(CultureInfo.InvariantCulture, $"{(end - r.StartedAt).TotalSeconds:F1} s") : r.Status == RunStatus.Running ? "…" : "—";

    public void Dispose() => Catalog.Changed -= OnRunChanged;
}
