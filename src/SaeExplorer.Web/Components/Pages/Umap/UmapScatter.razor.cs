using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Plotly.Blazor;
using Plotly.Blazor.Interop;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;
using Plotly.Blazor.Traces.ScatterLib.MarkerLib;
using SaeExplorer.Core.Umap;
using SaeExplorer.Reports.Figures;
using SaeExplorer.Web.Application.Umap;
using PlotlyLayout = Plotly.Blazor.Layout;

namespace SaeExplorer.Web.Components.Pages.Umap;

public sealed partial class UmapScatter
{
    /// <summary>Hover labels show this much of the user's message; the whole of it is one click away on the Live page.</summary>
    private const int HoverTextLength = 90;

    /// <summary>Characters per line of the hover label: narrow enough to fit beside a point near the map's edge.</summary>
    private const int HoverLineLength = 36;

    [Parameter, EditorRequired] public UmapView View { get; set; } = null!;
    [Parameter, EditorRequired] public ConditionEmbedding Map { get; set; } = null!;

    /// <summary>Called with the clicked prompt.</summary>
    [Parameter] public EventCallback<UmapPoint> PointClicked { get; set; }

    private PlotlyChart? _chart;
    private IList<ITrace> _data = [];
    private PlotlyLayout _layout = new();
    private readonly Config _config = new() { Responsive = true, DisplayLogo = false, DisplayModeBar = Plotly.Blazor.ConfigLib.DisplayModeBarEnum.False };
    // For each trace (condition), the row of each of its points in the view: Plotly reports clicks as (trace, point).
    private List<List<int>> _rows = [];
    private bool _subscribed;
    private bool _clickReady;

    protected override void OnParametersSet()
    {
        _rows = View.Conditions.Select(c => Enumerable.Range(0, View.Points.Count).Where(i => View.Points[i].Condition == c).ToList()).ToList();
        _data = View.Conditions.Select((c, t) => (ITrace)Trace(c, _rows[t])).ToList();
        // No title, axis titles or mode bar: the card says which map it is, UMAP axes carry no meaning, and the card's
        // menu exports the publication figure.
        _layout = new PlotlyLayout
        {
            ShowLegend = true,
            Legend = [new Legend { Orientation = Plotly.Blazor.LayoutLib.LegendLib.OrientationEnum.H }],
            HoverMode = HoverModeEnum.Closest,
            XAxis = [new XAxis { ShowTickLabels = false, ZeroLine = false }],
            YAxis = [new YAxis { ShowTickLabels = false, ZeroLine = false }],
            Margin = new Margin { L = 10, R = 10, T = 10, B = 10 },
        };
    }

    private Scatter Trace(string condition, List<int> rows)
    {
        var style = ConditionPalette.Default.StyleOf(condition);
        return new Scatter
        {
            Name = condition,
            Mode = ModeFlag.Markers,
            X = rows.Select(i => (object)Map.Embedding[i][0]).ToList(),
            Y = rows.Select(i => (object)Map.Embedding[i][1]).ToList(),
            TextArray = rows.Select(i => HoverText(View.Points[i])).ToList(),
            HoverInfo = HoverInfoFlag.Text,
            // The exported figures' colours and markers, so the dashboard and the paper agree.
            Marker = new Marker { Color = style.Color.ToHex(), Symbol = Symbol(style.Marker), Size = 8, Opacity = 0.85m },
        };
    }

    // Plotly reads hover text as its small HTML subset; encoding keeps a prompt's own markup as text. The prompt is
    // wrapped into short lines: Plotly draws the label inside the chart, and one 90-character line was cut off at the
    // map's edge.
    private static string HoverText(UmapPoint p)
    {
        string text = p.UserText.Length > HoverTextLength ? p.UserText[..HoverTextLength] + "…" : p.UserText;
        var lines = Wrap(text, HoverLineLength).Select(WebUtility.HtmlEncode);
        return $"<b>{WebUtility.HtmlEncode(p.PromptId)}</b><br>{WebUtility.HtmlEncode(p.Condition)}<br>{string.Join("<br>", lines)}";
    }

    /// <summary>Breaks <paramref name="text"/> at spaces into lines of at most <paramref name="width"/> characters (a longer word gets its own line, cut).</summary>
    private static IEnumerable<string> Wrap(string text, int width)
    {
        var line = new System.Text.StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                yield return line.ToString();
                line.Clear();
            }
            if (line.Length > 0)
                line.Append(' ');
            line.Append(word.Length > width ? word[..(width - 1)] + "…" : word);
        }
        if (line.Length > 0)
            yield return line.ToString();
    }

    private static SymbolEnum Symbol(ConditionMarker marker) => marker switch
    {
        ConditionMarker.Square => SymbolEnum.Square,
        ConditionMarker.TriangleUp => SymbolEnum.TriangleUp,
        ConditionMarker.Diamond => SymbolEnum.Diamond,
        ConditionMarker.TriangleDown => SymbolEnum.TriangleDown,
        ConditionMarker.OpenCircle => SymbolEnum.CircleOpen,
        _ => SymbolEnum.Circle,
    };

    private async void SubscribeAsync()
    {
        // Plotly.Blazor calls this after each render of the chart; one subscription per chart is enough.
        if (_subscribed || _chart is null)
            return;
        _subscribed = true;
        try
        {
            await _chart.SubscribeClickEvent();
            _clickReady = true;
            await InvokeAsync(StateHasChanged);
        }
        catch (JSDisconnectedException)
        {
            // The browser left before the chart was ready; there is nothing to click any more.
        }
    }

    private void OnClick(IEnumerable<EventDataPoint> points)
    {
        var point = points.FirstOrDefault();
        if (point is null)
            return;
        if (Index(point.CurveNumber) is not { } trace || Index(point.PointNumber) is not { } index
            || trace < 0 || trace >= _rows.Count || index < 0 || index >= _rows[trace].Count)
            return;
        _ = InvokeAsync(() => PointClicked.InvokeAsync(View.Points[_rows[trace][index]]));
    }

    // The event's numbers arrive as untyped JSON from Plotly's JavaScript.
    private static int? Index(object? value) => value switch
    {
        int i => i,
        long l => (int)l,
        double d => (int)d,
        JsonElement { ValueKind: JsonValueKind.Number } e => e.GetInt32(),
        _ => null,
    };
}
