using System.Globalization;
using Mediator;
using Microsoft.AspNetCore.Components;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using PlotlyLayout = Plotly.Blazor.Layout;
using Table = SaeExplorer.Reports.Tables.Table;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Features;
using SaeExplorer.Reports.Figures;
using SaeExplorer.Reports.Tables;
using SaeExplorer.Web.Application.Compare;
using SaeExplorer.Web.Application.Live;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Components.Pages.Compare;

public sealed partial class Compare : IDisposable
{
    /// <summary>The differential table's columns: the export's column names with their on-screen titles.</summary>
    public static readonly (string Column, string Title)[] DifferentialHeaders =
    [
        ("feature", "Feature"), ("label", "Label · explanation"), ("presence_rate_a", "Active A"), ("presence_rate_b", "Active B"),
        ("mean_a", "Mean A"), ("mean_b", "Mean B"), ("log2_odds_ratio", "log₂ OR"), ("rank_biserial", "r (rank-biserial)"),
        ("fisher_p", "Fisher p"), ("fisher_q", "Fisher q"), ("mann_whitney_q", "MW q"), ("presence_separation", "Separates"),
    ];

    [Inject] private IMediator Mediator { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;

    private readonly LatestOnly _outlineRequests = new();
    private readonly LatestOnly _countRequests = new();
    private readonly LatestOnly _compareRequests = new();
    private readonly LatestOnly _diffRequests = new();
    private readonly LatestOnly _pairedRequests = new();
    private readonly Config _chartConfig = new() { DisplayLogo = false, Responsive = true };

    private RunOutline? _outline;
    private string? _runId;
    private string? _a;
    private string _b = Contrast.RestName;
    private PoolingMethod _pooling = PoolingMethod.User;
    private IReadOnlyList<ConditionActivity>? _counts;
    private IList<ITrace> _countsData = [];
    private PlotlyLayout _countsLayout = new();
    private int _countsRevision;
    private ConditionComparison? _comparison;
    private const double DefaultMaxQ = 0.05;
    private double _maxQ = DefaultMaxQ;
    private IReadOnlyList<DifferentialRow> _rows = [];
    private VolcanoView? _volcano;
    private int _volcanoRevision;
    private int? _pairedFeature;
    private PairedTopics? _paired;
    private int _pairedRevision;
    private string? _diffA;
    private string? _diffB;
    private PromptDiffResult? _diff;
    private string? _diffError;
    private bool _typingB;
    private string? _typedB;
    private string? _error;
    private int _inFlight;

    private bool _busy => _inFlight > 0;

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private string DifferentialCaption =>
        _comparison is { } c ? $"Features that differ between {c.Summary.Contrast.A} and {c.Summary.Contrast.BName} ({PoolingNames.Of(_pooling)} pooling)." : "";

    [Inject] private AddressState Address { get; set; } = null!;

    [SupplyParameterFromQuery(Name = "a")] public string? AFromAddress { get; set; }
    [SupplyParameterFromQuery(Name = "b")] public string? BFromAddress { get; set; }
    [SupplyParameterFromQuery(Name = "pooling")] public string? PoolingFromAddress { get; set; }
    [SupplyParameterFromQuery(Name = "feature")] public int? FeatureFromAddress { get; set; }
    /// <summary>The q threshold, read by hand: a hand-edited "q=abc" leaves the default rather than failing the page.</summary>
    [SupplyParameterFromQuery(Name = "q")] public string? QFromAddress { get; set; }

    private string VolcanoCaption =>
        _volcano is { } v ? $"Volcano plot of {v.A} against {v.B} ({PoolingNames.Of(_pooling)} pooling): log₂ odds ratio of being active against −log₁₀ Fisher q." : "";

    /// <summary>Whether the run's prompts name topics, so that two conditions can be paired by them.</summary>
    private bool HasTopics => _outline?.Prompts.Any(p => p.Topic.Length > 0) == true;

    protected override void OnInitialized()
    {
        _a = AFromAddress;
        _b = BFromAddress ?? _b;
        _pooling = AddressState.Pooling(PoolingFromAddress) ?? _pooling;
        _pairedFeature = FeatureFromAddress is >= 0 ? FeatureFromAddress : null;
        if (double.TryParse(QFromAddress, NumberStyles.Float, CultureInfo.InvariantCulture, out double q) && q is >= 0 and <= 1)
            _maxQ = q;
    }

    /// <summary>The comparison shown, in the address.</summary>
    private void KeepInAddress() => Address.Set(("a", _a), ("b", _b), ("pooling", AddressState.Name(_pooling)),
        ("feature", _pairedFeature?.ToString(CultureInfo.InvariantCulture)), ("q", _maxQ == DefaultMaxQ ? null : _maxQ.ToString("R", CultureInfo.InvariantCulture)));

    private async Task OnRunChanged(string runId)
    {
        _runId = runId;
        _outline = null;
        _counts = null;
        _comparison = null;
        _volcano = null;
        _paired = null;
        _diff = null;
        var outline = await Send(_outlineRequests, ct => Mediator.Send(new RunOutlineQuery(runId), ct));
        if (outline is null)
            return;
        _outline = outline;
        _a = outline.Conditions.Contains(_a ?? "") ? _a : outline.Conditions[0];
        if (_b != Contrast.RestName && (!outline.Conditions.Contains(_b) || _b == _a))
            _b = Contrast.RestName;
        if (_pairedFeature >= outline.FeatureCount)
            _pairedFeature = null;
        _diffA = outline.DefaultDiffA;
        _diffB = outline.DefaultDiffB;
        KeepInAddress();
        await Task.WhenAll(LoadCountsAsync(), LoadComparisonAsync(), LoadPairedAsync(), LoadDiffAsync());
    }

    private async Task OnAChanged(string value)
    {
        _a = value;
        if (_b == value)
            _b = Contrast.RestName;
        KeepInAddress();
        await Task.WhenAll(LoadComparisonAsync(), LoadPairedAsync());
    }

    private Task OnBChanged(string value)
    {
        _b = value;
        KeepInAddress();
        return Task.WhenAll(LoadComparisonAsync(), LoadPairedAsync());
    }

    private Task OnPoolingChanged(PoolingMethod value)
    {
        _pooling = value;
        KeepInAddress();
        return Task.WhenAll(LoadCountsAsync(), LoadComparisonAsync(), LoadPairedAsync());
    }

    private Task OnPairedFeatureChanged(int? value)
    {
        _pairedFeature = value;
        KeepInAddress();
        return LoadPairedAsync();
    }

    /// <summary>Opens a latent's page on the run and pooling compared here, not the newest run.</summary>
    private void OpenFeature(int feature) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters($"/feature/{feature}", new Dictionary<string, object?> { ["run"] = _runId, ["pooling"] = AddressState.Name(_pooling) }));

    private void OnMaxQChanged(double value)
    {
        _maxQ = Math.Clamp(value, 0, 1);
        KeepInAddress();
        Filter();
    }

    /// <summary>The run's prompts whose id, condition or topic hold every word typed, in the run's order.</summary>
    private Task<IEnumerable<string>> SearchPrompts(string? text, CancellationToken cancellation)
    {
        var words = (text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var prompts = (_outline?.Prompts ?? []).Where(p =>
            words.All(w => p.Id.Contains(w, StringComparison.OrdinalIgnoreCase) || p.Topic.Contains(w, StringComparison.OrdinalIgnoreCase)));
        return Task.FromResult(prompts.Select(p => p.Id));
    }

    private Task OnDiffAChanged(string value)
    {
        _diffA = value;
        return LoadDiffAsync();
    }

    private Task OnDiffBChanged(string value)
    {
        _diffB = value;
        return LoadDiffAsync();
    }

    private async Task LoadCountsAsync()
    {
        if (_runId is not { } runId)
            return;
        var counts = await Send(_countRequests, ct => Mediator.Send(new ConditionCountsQuery(runId, _pooling), ct));
        if (counts is null)
            return;
        _counts = counts;
        _countsData =
        [
            new Bar
            {
                X = counts.Select(c => (object)c.Condition).ToList(),
                Y = counts.Select(c => (object)c.ActiveCount.Estimate).ToList(),
                ErrorY = new Plotly.Blazor.Traces.BarLib.ErrorY
                {
                    Type = Plotly.Blazor.Traces.BarLib.ErrorYLib.TypeEnum.Data,
                    Symmetric = false,
                    Array = counts.Select(c => (object)(c.ActiveCount.Upper - c.ActiveCount.Estimate)).ToList(),
                    ArrayMinus = counts.Select(c => (object)(c.ActiveCount.Estimate - c.ActiveCount.Lower)).ToList(),
                    Visible = true,
                },
                Name = "mean active features",
                // The same colour per condition as the UMAP maps and the exported figures.
                Marker = new Plotly.Blazor.Traces.BarLib.Marker
                {
                    ColorArray = counts.Select(c => (object)Reports.Figures.ConditionPalette.Default.StyleOf(c.Condition).Color.ToHex()).ToList(),
                },
            },
        ];
        _countsLayout = new PlotlyLayout
        {
            Height = 320,
            Margin = new Plotly.Blazor.LayoutLib.Margin { T = 10, B = 40, L = 60, R = 10 },
            YAxis = [new Plotly.Blazor.LayoutLib.YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = "Mean active features (±95% CI)" } }],
        };
        // A new key gives Plotly a fresh chart for the new numbers.
        _countsRevision++;
    }

    private async Task LoadComparisonAsync()
    {
        if (_runId is not { } runId || _a is not { } a)
            return;
        string? b = _b == Contrast.RestName ? null : _b;
        var comparison = await Send(_compareRequests, ct => Mediator.Send(new CompareConditionsQuery(runId, _pooling, a, b), ct));
        if (comparison is null)
            return;
        _comparison = comparison;
        Filter();
    }

    /// <summary>A against B topic by topic; only when B is one condition, as "rest" mixes several prompts per topic.</summary>
    private async Task LoadPairedAsync()
    {
        if (_runId is not { } runId || _a is not { } a || _b == Contrast.RestName || !HasTopics)
        {
            // Supersedes a request still under way for the previous choice, whose answer would no longer fit.
            _pairedRequests.Next();
            _paired = null;
            return;
        }
        var paired = await Send(_pairedRequests, ct => Mediator.Send(new PairedTopicsQuery(runId, _pooling, a, _b, _pairedFeature), ct));
        if (paired is null)
            return;
        _paired = paired;
        // A new key gives Plotly a fresh chart for the new numbers.
        _pairedRevision++;
    }

    /// <summary>The diff of A with the run's prompt B or, switched to typing, with the text typed; its refusal shows in its own card.</summary>
    private async Task LoadDiffAsync()
    {
        if (_runId is not { } runId || _diffA is not { } a || (_typingB ? string.IsNullOrWhiteSpace(_typedB) : _diffB is null))
            return;
        var token = _diffRequests.Next();
        _inFlight++;
        try
        {
            var diff = await Mediator.Send(new PromptDiffQuery(runId, a, _diffB ?? "", _typingB ? _typedB : null), token);
            if (!token.IsCancellationRequested)
                (_diff, _diffError) = (diff, null);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (UserError e)
        {
            (_diff, _diffError) = (null, e.Message);
        }
        finally
        {
            _inFlight--;
        }
    }

    private Task OnTypingBChanged(bool typing)
    {
        _typingB = typing;
        return LoadDiffAsync();
    }

    private Task OnTypedBChanged(string text)
    {
        _typedB = text;
        return LoadDiffAsync();
    }

    private void Filter()
    {
        _rows = _comparison is { } c ? DifferentialTable.Rows(c.Statistics, c.Labels, c.Explanations, _maxQ) : [];
        _volcano = _comparison is { } v ? CompareFigures.Volcano(v.Statistics, v.Labels, _maxQ) : null;
        // A new key gives Plotly a fresh chart for the new numbers.
        _volcanoRevision++;
    }

    private Figure CountsFigure() =>
        CompareFigures.ConditionCounts(_counts!, $"Active features per condition ({PoolingNames.Of(_pooling)})");

    private Table CountsTable() => AnalysisTables.ConditionCounts(_counts!);

    private Table DifferentialExport() => DifferentialTable.ToTable(_rows);

    private Figure VolcanoFigure() =>
        CompareFigures.VolcanoFigure(_volcano!, $"{_volcano!.A} vs {_volcano.B} ({PoolingNames.Of(_pooling)})");

    private Table VolcanoTable() => CompareFigures.VolcanoTable(_volcano!);

    private Table PairedTable() => TopicPairs.ToTable(_paired!);

    /// <summary>Sends one request of a kind, superseding the previous one; null when superseded or failed (the error is shown).</summary>
    private async Task<T?> Send<T>(LatestOnly requests, Func<CancellationToken, ValueTask<T>> send) where T : class
    {
        var token = requests.Next();
        _inFlight++;
        try
        {
            var result = await send(token);
            if (token.IsCancellationRequested)
                return null;
            _error = null;
            return result;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return null;
        }
        catch (UserError e)
        {
            _error = e.Message;
            return null;
        }
        finally
        {
            _inFlight--;
        }
    }

    public void Dispose()
    {
        _outlineRequests.Dispose();
        _countRequests.Dispose();
        _compareRequests.Dispose();
        _diffRequests.Dispose();
        _pairedRequests.Dispose();
    }
}
