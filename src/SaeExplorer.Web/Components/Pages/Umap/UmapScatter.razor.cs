using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Components;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;
using Plotly.Blazor.Traces.ScatterLib.MarkerLib;
using SaeExplorer.Core.Umap;
using SaeExplorer.Reports.Figures;
using SaeExplorer.Web.Application.Umap;
using SaeExplorer.Web.Components.Shared;
using PlotlyLayout = Plotly.Blazor.Layout;

namespace SaeExplorer.Web.Components.Pages.Umap;

public sealed partial class UmapScatter
{
    /// <summary>Hover labels show this much of the user's message; the whole of it is one click away on the Live page.</summary>
    private const int HoverTextLength = 90;

    /// <summary>Characters per line of the hover label: narrow enough to fit beside a point near the map's edge.</summary>
    private const int HoverLineLength = 36;

    /// <summary>Legends longer than this (a run's topics) are left out: they would push the map off its card, and hover names the point's group.</summary>
    private const int LegendLimit = 12;

    /// <summary>
    /// The feature colour scale: inactive prompts (0) light grey, active ones from pale yellow to dark brown (YlOrBr),
    /// so that even a weak activation stands apart from none.
    /// </summary>
    private static readonly object[] FeatureScale =
    [
        new object[] { 0, "#d9d9d9" }, new object[] { 1e-6, "#fee391" }, new object[] { 0.5, "#ec7014" }, new object[] { 1, "#662506" },
    ];

    private static readonly ConditionMarker[] Shapes = Enum.GetValues<ConditionMarker>();

    [Parameter, EditorRequired] public UmapView View { get; set; } = null!;
    [Parameter, EditorRequired] public ConditionEmbedding Map { get; set; } = null!;

    /// <summary>What colours the points, and the traces <see cref="UmapColouring"/> made for it.</summary>
    [Parameter, EditorRequired] public UmapColour Colour { get; set; }
    [Parameter, EditorRequired] public IReadOnlyList<UmapTrace> Traces { get; set; } = [];

    /// <summary>Called with the clicked prompt.</summary>
    [Parameter] public EventCallback<UmapPoint> PointClicked { get; set; }

    /// <summary>Called with the prompts a lasso or box selected (empty when it caught none).</summary>
    [Parameter] public EventCallback<IReadOnlyList<UmapPoint>> PointsSelected { get; set; }

    private IList<ITrace> _data = [];
    private PlotlyLayout _layout = new();
    // The mode bar offers lasso, box, zoom and pan; its image button is left out because the card's menu exports the
    // publication figure.
    private readonly Config _config = new() { Responsive = true, DisplayLogo = false, ModeBarButtonsToRemove = new[] { "toImage" } };

    protected override void OnParametersSet()
    {
        _data = Traces.Select((trace, t) => (ITrace)Trace(trace, t)).ToList();
        // No title or axis titles: the card says which map it is, and UMAP axes carry no meaning. Dragging draws a
        // lasso: selecting prompts is what the page offers beyond hovering (zoom is one mode-bar click away). Clicks
        // must also select: with clicks as events alone, Plotly answers a click in lasso mode with an empty
        // plotly_selected before plotly_click, which Plotly.Blazor cannot read, and the click never arrives.
        _layout = new PlotlyLayout
        {
            ShowLegend = Colour != UmapColour.Feature && Traces.Count <= LegendLimit,
            Legend = [new Legend { Orientation = Plotly.Blazor.LayoutLib.LegendLib.OrientationEnum.H }],
            HoverMode = HoverModeEnum.Closest,
            DragMode = DragModeEnum.Lasso,
            ClickMode = ClickModeFlag.Event | ClickModeFlag.Select,
            XAxis = [new XAxis { ShowTickLabels = false, ZeroLine = false }],
            YAxis = [new YAxis { ShowTickLabels = false, ZeroLine = false }],
            Margin = new Margin { L = 10, R = 10, T = 10, B = 10 },
        };
    }

    private Scatter Trace(UmapTrace trace, int index) => new()
    {
        Name = trace.Name,
        Mode = ModeFlag.Markers,
        X = trace.Rows.Select(i => (object)Map.Embedding[i][0]).ToList(),
        Y = trace.Rows.Select(i => (object)Map.Embedding[i][1]).ToList(),
        TextArray = trace.Rows.Select((row, k) => HoverText(View.Points[row], trace.Values is { } v ? (trace.Name, v[k]) : null)).ToList(),
        HoverInfo = HoverInfoFlag.Text,
        Marker = Colour switch
        {
            UmapColour.Feature => new Marker
            {
                ColorArray = trace.Values!.Select(v => (object)v).ToList(),
                ColorScale = FeatureScale,
                CMin = 0,
                CMax = (decimal)trace.ScaleMax,
                ShowScale = true,
                ColorBar = new ColorBar { Title = new Plotly.Blazor.Traces.ScatterLib.MarkerLib.ColorBarLib.Title { Text = trace.Name }, Thickness = 12 },
                Size = 8,
                Opacity = 0.9m,
            },
            // Plotly's ten default colours in turn, with a new marker shape every ten topics, so up to 60 stay distinct.
            UmapColour.Topic => new Marker { Symbol = Symbol(Shapes[index / 10 % Shapes.Length]), Size = 8, Opacity = 0.85m },
            // The exported figures' colours and markers, so the dashboard and the paper agree.
            _ => ConditionStyled(trace.Name),
        },
    };

    private static Marker ConditionStyled(string condition)
    {
        var style = ConditionPalette.Default.StyleOf(condition);
        return new Marker { Color = style.Color.ToHex(), Symbol = Symbol(style.Marker), Size = 8, Opacity = 0.85m };
    }

    // Plotly reads hover text as its small HTML subset; encoding keeps a prompt's own markup as text. The prompt is
    // wrapped into short lines: Plotly draws the label inside the chart, and one 90-character line was cut off at the
    // map's edge.
    private static string HoverText(UmapPoint p, (string Name, double Value)? feature)
    {
        string text = p.UserText.Length > HoverTextLength ? p.UserText[..HoverTextLength] + "…" : p.UserText;
        var lines = Wrap(text, HoverLineLength).Select(WebUtility.HtmlEncode);
        string value = feature is { } f ? $"{WebUtility.HtmlEncode(f.Name)}: {f.Value.ToString("G4", CultureInfo.InvariantCulture)}<br>" : "";
        return $"{value}<b>{WebUtility.HtmlEncode(p.PromptId)}</b><br>{WebUtility.HtmlEncode(p.Condition)} · {WebUtility.HtmlEncode(p.Topic)}<br>{string.Join("<br>", lines)}";
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

    private Task OnClick(PlotPoint point) => PointOf(point) is { } p ? PointClicked.InvokeAsync(p) : Task.CompletedTask;

    private Task OnSelected(IReadOnlyList<PlotPoint> points) =>
        PointsSelected.InvokeAsync(points.Select(PointOf).OfType<UmapPoint>().Distinct().ToList());

    /// <summary>The prompt behind a point of Plotly's event, which names it as (trace, index in the trace).</summary>
    private UmapPoint? PointOf(PlotPoint point) =>
        point.Trace >= 0 && point.Trace < Traces.Count && point.Point >= 0 && point.Point < Traces[point.Trace].Rows.Count
            ? View.Points[Traces[point.Trace].Rows[point.Point]]
            : null;
}
