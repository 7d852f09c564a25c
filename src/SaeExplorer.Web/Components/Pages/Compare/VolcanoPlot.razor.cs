using Microsoft.AspNetCore.Components;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;
using SaeExplorer.Reports.Figures;
using SaeExplorer.Web.Application.Compare;
using SaeExplorer.Web.Components.Shared;
using PlotlyLayout = Plotly.Blazor.Layout;

namespace SaeExplorer.Web.Components.Pages.Compare;

public sealed partial class VolcanoPlot
{
    /// <summary>Latents above the q threshold: grey, so the significant ones stand out in their condition's colour.</summary>
    private const string NotSignificantColor = "#b0b0b0";

    [Parameter, EditorRequired] public VolcanoView Volcano { get; set; } = null!;

    /// <summary>Called with the clicked latent.</summary>
    [Parameter] public EventCallback<int> FeatureClicked { get; set; }

    private IList<ITrace> _data = [];
    private PlotlyLayout _layout = new();
    private readonly Config _config = new() { Responsive = true, DisplayLogo = false, DisplayModeBar = Plotly.Blazor.ConfigLib.DisplayModeBarEnum.False };

    protected override void OnParametersSet()
    {
        var points = Volcano.Points;
        // One trace, so a click's point number is the latent's row in the view.
        _data =
        [
            new Scatter
            {
                Name = "tested latents",
                Mode = ModeFlag.Markers,
                X = points.Select(p => (object)p.Log2OddsRatio).ToList(),
                Y = points.Select(p => (object)p.Height).ToList(),
                TextArray = points.Select(CompareFigures.VolcanoHover).ToList(),
                HoverInfo = HoverInfoFlag.Text,
                Marker = new Marker
                {
                    ColorArray = points.Select(p => (object)(p.Group == VolcanoView.NotSignificant ? NotSignificantColor : ConditionPalette.Default.StyleOf(p.Group).Color.ToHex())).ToList(),
                    Size = 7,
                    Opacity = 0.8m,
                },
            },
        ];
        // The page's q threshold as a dashed line: the points above it in colour are the table's Fisher-significant rows.
        var threshold = Volcano.MaxQ > 0
            ? new List<Shape>
            {
                new()
                {
                    Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Line, XRef = "paper", X0 = 0, X1 = 1,
                    Y0 = -Math.Log10(Volcano.MaxQ), Y1 = -Math.Log10(Volcano.MaxQ),
                    Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Dash = "dash", Color = "#888888", Width = 1 },
                },
            }
            : [];
        _layout = new PlotlyLayout
        {
            HoverMode = HoverModeEnum.Closest,
            ShowLegend = false,
            Shapes = threshold,
            Margin = new Margin { T = 10, B = 50, L = 60, R = 10 },
            XAxis = [new XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = $"{CompareFigures.VolcanoEffectLabel} ({Volcano.A} over {Volcano.B})" } }],
            YAxis = [new YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = CompareFigures.VolcanoSignificanceLabel } }],
        };
    }

    private Task OnClick(PlotPoint point) =>
        point.Trace == 0 && point.Point >= 0 && point.Point < Volcano.Points.Count
            ? FeatureClicked.InvokeAsync(Volcano.Points[point.Point].Feature)
            : Task.CompletedTask;
}
