using System.Globalization;
using System.Net;
using Mediator;
using Microsoft.AspNetCore.Components;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;
using SaeExplorer.Core.Analysis.Statistics;
using SaeExplorer.Reports.Figures;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Runs.Judging;
using SaeExplorer.Web.Application.Quality;
using SaeExplorer.Web.Components.Shared;
using SaeExplorer.Web.Infrastructure;
using PlotlyLayout = Plotly.Blazor.Layout;

namespace SaeExplorer.Web.Components.Pages.Quality;

public sealed partial class Quality
{
    private const int HoverTextLength = 160;

    /// <summary>The x axes the scatter offers against the judge's score.</summary>
    private static readonly (string Key, string Label)[] Axes =
    [
        ("prompt", "Active features (prompt)"),
        ("answer", "Active features per answer token"),
        ("distinct", "Distinct features (answer)"),
        ("length", "Answer tokens"),
    ];

    [Inject] private IMediator Mediator { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;

    [SupplyParameterFromQuery(Name = "run")] public string? RunId { get; set; }
    [SupplyParameterFromQuery(Name = "judge")] public string? Judge { get; set; }
    [SupplyParameterFromQuery(Name = "x")] public string? X { get; set; }

    private List<JudgedRun>? _runs;
    private QualityView? _view;
    private string? _error;
    private bool _busy;
    private IList<ITrace> _data = [];
    private PlotlyLayout _layout = new();
    private readonly Config _config = new() { Responsive = true, DisplayLogo = false, DisplayModeBar = Plotly.Blazor.ConfigLib.DisplayModeBarEnum.False };
    private List<List<AnswerQualityRow>> _points = [];

    protected override async Task OnInitializedAsync()
    {
        _runs = [.. await Mediator.Send(new ListJudgedRunsQuery())];
        X = Axes.Any(a => a.Key == X) ? X : Axes[0].Key;
        if (_runs.Count == 0)
            return;
        if (RunId is null || _runs.All(r => r.RunId != RunId))
            RunId = _runs[0].RunId;
        await LoadAsync();
        // The address names what is shown, also when it was chosen by default, so a copied link reopens this view.
        UpdateAddress();
    }

    private async Task LoadAsync()
    {
        _busy = true;
        _error = null;
        StateHasChanged();
        try
        {
            _view = await Mediator.Send(new QualityViewQuery(RunId!, Judge));
            Judge = _view.Judge;
            BuildPlot();
        }
        catch (UserError e)
        {
            _view = null;
            _error = e.Message;
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task OnRunChanged(string run)
    {
        RunId = run;
        Judge = null;
        UpdateAddress();
        await LoadAsync();
    }

    private async Task OnJudgeChanged(string judge)
    {
        Judge = judge;
        UpdateAddress();
        await LoadAsync();
    }

    private void OnXChanged(string x)
    {
        X = x;
        UpdateAddress();
        BuildPlot();
    }

    private void UpdateAddress() => Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>
    {
        ["run"] = RunId,
        ["judge"] = Judge,
        ["x"] = X,
    }), replace: true);

    private double XOf(AnswerQualityRow r) => X switch
    {
        "answer" => r.AnswerMeanActivePerToken,
        "distinct" => r.AnswerDistinctFeatures,
        "length" => r.LengthTokens,
        _ => r.PromptActiveFeatures,
    };

    private void BuildPlot()
    {
        if (_view is not { } v)
            return;
        var rows = v.Result.Rows.Where(r => r.Answer.Arm == RunAnswerSet.BaselineArm && r.Score is not null && double.IsFinite(XOf(r))).ToList();
        var conditions = ConditionPalette.Order(rows.Select(r => r.Condition));
        _points = [.. conditions.Select(c => rows.Where(r => r.Condition == c).ToList())];
        _data = [.. conditions.Select((c, i) => (ITrace)Trace(v, c, _points[i]))];
        _layout = new PlotlyLayout
        {
            ShowLegend = true,
            Legend = [new Legend { Orientation = Plotly.Blazor.LayoutLib.LegendLib.OrientationEnum.H }],
            HoverMode = HoverModeEnum.Closest,
            XAxis = [new XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = Axes.First(a => a.Key == X).Label }, ZeroLine = false }],
            YAxis = [new YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = $"Score ({v.Judge})" }, ZeroLine = false }],
            Margin = new Margin { L = 60, R = 10, T = 10, B = 50 },
        };
    }

    private Scatter Trace(QualityView v, string condition, List<AnswerQualityRow> rows)
    {
        var style = ConditionPalette.Default.StyleOf(condition);
        return new Scatter
        {
            Name = condition,
            Mode = ModeFlag.Markers,
            X = rows.Select(r => (object)XOf(r)).ToList(),
            Y = rows.Select(r => (object)r.Score!.Value).ToList(),
            TextArray = rows.Select(r => HoverText(v, r)).ToList(),
            HoverInfo = HoverInfoFlag.Text,
            Marker = new Plotly.Blazor.Traces.ScatterLib.Marker { Color = style.Color.ToHex(), Size = 8, Opacity = 0.85m },
        };
    }

    // Plotly reads hover text as a small HTML subset: the answer is encoded so its own markup stays text.
    private static string HoverText(QualityView v, AnswerQualityRow r)
    {
        var text = v.Answers.TryGetValue(r.Answer, out var a) ? a.Text : "";
        if (text.Length > HoverTextLength)
            text = text[..HoverTextLength] + "…";
        return $"<b>{WebUtility.HtmlEncode(r.Answer.PromptId)}</b> · score {r.Score:0.##} · {r.LengthTokens} tokens<br>{WebUtility.HtmlEncode(text)}";
    }

    private void OnClick(PlotPoint point)
    {
        if (point.Trace < 0 || point.Trace >= _points.Count || point.Point < 0 || point.Point >= _points[point.Trace].Count || _view is not { } v)
            return;
        var row = _points[point.Trace][point.Point];
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters("/answers", new Dictionary<string, object?>
        {
            ["run"] = v.RunId,
            ["topic"] = row.Topic,
            ["judge"] = v.Judge,
        }));
    }

    private static string Label(string variable) => variable switch
    {
        QualityTriangleNames.PromptFeatures => "prompt features",
        QualityTriangleNames.AnswerMeanActive => "answer features/token",
        QualityTriangleNames.AnswerDistinct => "distinct answer features",
        QualityTriangleNames.Length => "length",
        QualityTriangleNames.Score => "score",
        _ => variable,
    };

    private static string Interval(ConfidenceInterval ci, int digits = 2) => double.IsFinite(ci.Estimate)
        ? string.Create(CultureInfo.InvariantCulture, $"{Round(ci.Estimate, digits)} [{Round(ci.Lower, digits)}, {Round(ci.Upper, digits)}]")
        : "n/a";

    private static string Round(double value, int digits) =>
        double.IsFinite(value) ? value.ToString("F" + digits, CultureInfo.InvariantCulture) : "n/a";

    private static string Percent(double rate) => double.IsFinite(rate) ? (rate * 100).ToString("0", CultureInfo.InvariantCulture) + "%" : "n/a";

    private static string MeanScore(QualityView v, string condition)
    {
        var scores = v.Result.Rows.Where(r => r.Answer.Arm == RunAnswerSet.BaselineArm && r.Condition == condition && r.Score is not null).Select(r => r.Score!.Value).ToList();
        return scores.Count == 0 ? "–" : scores.Average().ToString("0.00", CultureInfo.InvariantCulture);
    }

    /// <summary>The triangle's variable names, as Core writes them.</summary>
    private static class QualityTriangleNames
    {
        public const string PromptFeatures = Core.Analysis.Quality.QualityTriangle.PromptFeatures;
        public const string AnswerMeanActive = Core.Analysis.Quality.QualityTriangle.AnswerMeanActivePerToken;
        public const string AnswerDistinct = Core.Analysis.Quality.QualityTriangle.AnswerDistinctFeatures;
        public const string Length = Core.Analysis.Quality.QualityTriangle.LengthTokens;
        public const string Score = Core.Analysis.Quality.QualityTriangle.PointwiseScore;
    }
}
