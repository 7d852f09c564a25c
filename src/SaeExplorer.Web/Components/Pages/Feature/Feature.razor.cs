using System.Globalization;
using Mediator;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Components.Web;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using SaeExplorer.Core.Features;
using SaeExplorer.Reports.Figures;
using SaeExplorer.Runs.Autointerp;
using SaeExplorer.Web.Application.Compare;
using SaeExplorer.Web.Application.Features;
using SaeExplorer.Web.Application.Live;
using SaeExplorer.Web.Infrastructure;
using PlotlyLayout = Plotly.Blazor.Layout;
using Table = SaeExplorer.Reports.Tables.Table;

namespace SaeExplorer.Web.Components.Pages.Feature;

public sealed partial class Feature : IDisposable
{
    [Inject] private IMediator Mediator { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;

    [Inject] private AddressState Address { get; set; } = null!;

    [Parameter] public int? Index { get; set; }

    [SupplyParameterFromQuery(Name = "pooling")] public string? PoolingFromAddress { get; set; }

    private readonly LatestOnly _detailRequests = new();
    private readonly LatestOnly _promotedRequests = new();
    private readonly LatestOnly _explanationRequests = new();
    private readonly LatestOnly _neighbourRequests = new();
    private readonly LatestOnly _other = new();
    private readonly Config _chartConfig = new() { DisplayLogo = false, Responsive = true };

    private int? _shownIndex;
    private int? _jumpTo;
    private string? _runId;
    private PoolingMethod _pooling = PoolingMethod.User;
    private FeatureDetail? _detail;
    private PromotedTokenLists? _promoted;
    private string? _promotedError;
    private (IList<ITrace> Data, PlotlyLayout Layout) _logitChart;
    private (IList<ITrace> Data, PlotlyLayout Layout) _densityChart;
    private (IList<ITrace> Data, PlotlyLayout Layout) _topicChart;
    private IReadOnlyList<RelatedFeature>? _neighbours;
    private string? _neighboursError;
    private IReadOnlyList<FeatureExplanation>? _explanations;
    private string? _explanationsError;
    /// <summary>The explanation to accept once the user says whether it may replace their own label; null when not asking.</summary>
    private FeatureExplanation? _replacing;
    private string? _acceptResult;
    private IList<ITrace> _chartData = [];
    private PlotlyLayout _chartLayout = new();
    private int _chartRevision;
    private string? _label;
    private string? _notes;
    private string? _saved;
    private string? _error;
    private string? _importError;
    private string? _importResult;
    private bool _busy;

    /// <summary>How the distribution is drawn: every prompt as a point over a box, or a histogram of the active prompts' values.</summary>
    public enum ChartKind
    {
        Box,
        Histogram,
    }

    private ChartKind _chartKind = ChartKind.Box;

    private void OnChartKindChanged(ChartKind kind)
    {
        _chartKind = kind;
        BuildChart();
    }

    private void BuildChart()
    {
        if (_detail?.Run is not { } run)
            return;
        if (run.Density.Bins is { } densityBins)
            _densityChart = FeatureCharts.Bins(densityBins, run.Density.Counts, "Activation on a token where it fires", "Tokens", "#d64541");
        _topicChart = FeatureCharts.Topics(run.Topics);
        var palette = ConditionPalette.Default;
        string Share(double fraction) => fraction.ToString("P0", CultureInfo.InvariantCulture);
        if (_chartKind == ChartKind.Box)
        {
            _chartData = run.Distribution.Conditions.Select(c => (ITrace)new Box
            {
                // Two-line tick labels: one line per condition name would overlap once rotated at this width.
                Name = $"{c.Condition}<br>{Share(c.ActiveFraction)} active",
                Y = c.Values.Cast<object>().ToList(),
                TextArray = c.PromptIds.ToList(),
                BoxPoints = Plotly.Blazor.Traces.BoxLib.BoxPointsEnum.All,
                Jitter = 0.4m,
                PointPos = 0m,
                Marker = new Plotly.Blazor.Traces.BoxLib.Marker { Color = palette.StyleOf(c.Condition).Color.ToHex() },
            }).ToList();
            _chartLayout = new PlotlyLayout
            {
                Height = 360,
                ShowLegend = false,
                Margin = new Plotly.Blazor.LayoutLib.Margin { T = 10, B = 50, L = 60, R = 10 },
                XAxis = [new Plotly.Blazor.LayoutLib.XAxis { TickAngle = 0 }],
                YAxis = [new Plotly.Blazor.LayoutLib.YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = "Pooled activation (0 = inactive)" } }],
            };
        }
        else
        {
            // Inactive prompts (value 0) would be one tall bar at zero hiding the shape; their share is in the legend.
            // One bin set for every condition, so bars of the same x are the same interval and can be compared.
            var bins = run.Distribution.SharedBins();
            _chartData = run.Distribution.Conditions.Select(c => (ITrace)new Histogram
            {
                Name = $"{c.Condition} ({Share(c.ActiveFraction)} active)",
                X = c.Values.Where(v => v > 0).Cast<object>().ToList(),
                Opacity = 0.6m,
                XBins = bins is null ? null : new Plotly.Blazor.Traces.HistogramLib.XBins { Start = bins.Start, End = bins.End, Size = bins.Size },
                Marker = new Plotly.Blazor.Traces.HistogramLib.Marker { Color = palette.StyleOf(c.Condition).Color.ToHex() },
            }).ToList();
            _chartLayout = new PlotlyLayout
            {
                Height = 360,
                BarMode = Plotly.Blazor.LayoutLib.BarModeEnum.Overlay,
                Margin = new Plotly.Blazor.LayoutLib.Margin { T = 10, B = 50, L = 60, R = 10 },
                XAxis = [new Plotly.Blazor.LayoutLib.XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = "Pooled activation of active prompts" } }],
                YAxis = [new Plotly.Blazor.LayoutLib.YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = "Prompts" } }],
            };
        }
        _chartRevision++;
    }

    private static string N(double? value) => value is { } v ? v.ToString("G3", CultureInfo.InvariantCulture) : "—";

    protected override void OnInitialized() => _pooling = AddressState.Pooling(PoolingFromAddress) ?? _pooling;

    protected override async Task OnParametersSetAsync()
    {
        if (Index == _shownIndex)
            return;
        _shownIndex = Index;
        _jumpTo = Index;
        _saved = null;
        _detail = null;
        _promoted = null;
        _promotedError = null;
        _neighbours = null;
        _neighboursError = null;
        _explanations = null;
        _explanationsError = null;
        _replacing = null;
        _acceptResult = null;
        if (Index is null)
            return;
        await Task.WhenAll(LoadDetailAsync(resetLabel: true), LoadPromotedAsync(), LoadNeighboursAsync(), LoadExplanationsAsync());
    }

    private Task OnRunChanged(string runId)
    {
        _runId = runId;
        return LoadDetailAsync(resetLabel: false);
    }

    private Task OnPoolingChanged(PoolingMethod value)
    {
        _pooling = value;
        Address.Set(("pooling", AddressState.Name(value)));
        return LoadDetailAsync(resetLabel: false);
    }

    private void Jump()
    {
        if (_jumpTo is { } n)
            Navigation.NavigateTo($"/feature/{n}");
    }

    private void OnJumpKey(KeyboardEventArgs e)
    {
        if (e.Key == "Enter")
            Jump();
    }

    private async Task LoadDetailAsync(bool resetLabel)
    {
        if (Index is not { } index)
            return;
        var token = _detailRequests.Next();
        _busy = true;
        try
        {
            var detail = await Mediator.Send(new FeatureDetailQuery(index, _runId, _pooling), token);
            if (token.IsCancellationRequested)
                return;
            _detail = detail;
            _error = null;
            // Typing in the editor survives a run or pooling change; a new feature starts from what is stored.
            if (resetLabel || (_label is null && _notes is null))
            {
                _label = detail.Label?.Label;
                _notes = detail.Label?.Notes;
            }
            if (detail.Run is not null)
                BuildChart();
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return;
        }
        catch (UserError e)
        {
            _error = e.Message;
        }
        if (!token.IsCancellationRequested)
            _busy = false;
    }

    private Task LoadPromotedAsync() => LoadSideAsync(_promotedRequests, (index, ct) => Mediator.Send(new PromotedTokensQuery(index), ct), promoted =>
    {
        _promoted = promoted;
        if (promoted.Bins is { } bins)
            _logitChart = FeatureCharts.Bins(bins, promoted.Counts, "Logit added per unit of activation", "Tokens", "#4a6fa5");
    }, error => _promotedError = error);

    private Task LoadNeighboursAsync() =>
        LoadSideAsync(_neighbourRequests, (index, ct) => Mediator.Send(new DecoderNeighboursQuery(index), ct), n => _neighbours = n, error => _neighboursError = error);

    private Task LoadExplanationsAsync() =>
        LoadSideAsync(_explanationRequests, (index, ct) => Mediator.Send(new FeatureExplanationsQuery(index), ct), e => _explanations = e, error => _explanationsError = error);

    /// <summary>
    /// One of the page's panels that depend on the feature alone: the newest request wins (a jump to another feature
    /// cancels the one in flight), and a refusal is that panel's message, not the page's.
    /// </summary>
    private async Task LoadSideAsync<T>(LatestOnly requests, Func<int, CancellationToken, ValueTask<T>> send, Action<T> shown, Action<string> failed)
    {
        if (Index is not { } index)
            return;
        var token = requests.Next();
        try
        {
            var result = await send(index, token);
            if (!token.IsCancellationRequested)
                shown(result);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (UserError e)
        {
            failed(e.Message);
        }
    }

    /// <summary>Accepts at once unless the label field holds a label of the user's that says something else: then asks first.</summary>
    private Task AcceptExplanationAsync(FeatureExplanation explanation)
    {
        _acceptResult = null;
        if (_label?.Trim() is { Length: > 0 } own && own != explanation.Text?.Trim())
        {
            _replacing = explanation;
            return Task.CompletedTask;
        }
        return SendAcceptAsync(explanation, replace: false);
    }

    private Task ReplaceLabelAsync() => _replacing is { } explanation ? SendAcceptAsync(explanation, replace: true) : Task.CompletedTask;

    private void KeepLabel()
    {
        _replacing = null;
        _acceptResult = "Your label is kept.";
    }

    private async Task SendAcceptAsync(FeatureExplanation explanation, bool replace)
    {
        if (Index is not { } index)
            return;
        try
        {
            var accepted = await Mediator.Send(new AcceptExplanationCommand(index, explanation.RunId, explanation.ExplainerModel, replace), _other.Next());
            _label = accepted.Label?.Label;
            _notes = accepted.Label?.Notes;
            _saved = null;
            // Not written: a label of the user's was saved since the page read it (another tab); ask about that one.
            _replacing = accepted.Written ? null : explanation;
            _acceptResult = accepted.Written ? "Saved as the label." : null;
        }
        catch (UserError e)
        {
            _replacing = null;
            _error = e.Message;
        }
    }

    private async Task SaveLabelAsync()
    {
        if (Index is not { } index)
            return;
        try
        {
            var stored = await Mediator.Send(new SaveLabelCommand(index, _label ?? "", _notes ?? ""), _other.Next());
            _label = stored?.Label;
            _notes = stored?.Notes;
            _saved = stored is null ? "Label removed." : $"Saved at {stored.UpdatedAt.ToLocalTime():HH:mm:ss}.";
        }
        catch (UserError e)
        {
            _saved = null;
            _error = e.Message;
        }
    }

    private async Task ImportAsync(IBrowserFile? file)
    {
        _importError = null;
        _importResult = null;
        if (file is null)
            return;
        if (file.Size > LabelImport.MaxBytes)
        {
            _importError = $"{file.Name} is {file.Size:N0} bytes; the limit is {LabelImport.MaxBytes:N0}.";
            return;
        }
        try
        {
            string json;
            await using (var stream = file.OpenReadStream(LabelImport.MaxBytes))
            using (var reader = new StreamReader(stream))
                json = await reader.ReadToEndAsync();
            int count = await Mediator.Send(new ImportLabelsCommand(json), _other.Next());
            _importResult = $"Imported {count} label{(count == 1 ? "" : "s")} from {file.Name}.";
            // The feature on screen may be one of them.
            await LoadDetailAsync(resetLabel: true);
        }
        catch (Exception e) when (e is UserError or IOException)
        {
            _importError = $"{file.Name}: {e.Message}";
        }
    }

    private Figure ActivationFigure() =>
        CompareFigures.FeatureActivation(_detail!.Run!.Distribution, $"Feature {_detail.Feature} ({PoolingNames.Of(_detail.Run.Pooling)})");

    private Table DistributionTable() => FeatureTables.Distribution(_detail!.Run!.Distribution);

    public void Dispose()
    {
        _detailRequests.Dispose();
        _promotedRequests.Dispose();
        _explanationRequests.Dispose();
        _neighbourRequests.Dispose();
        _other.Dispose();
    }
}
