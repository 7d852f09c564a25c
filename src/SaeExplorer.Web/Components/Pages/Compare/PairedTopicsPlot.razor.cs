using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Components;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;
using SaeExplorer.Reports.Figures;
using SaeExplorer.Web.Application.Compare;
using PlotlyLayout = Plotly.Blazor.Layout;

namespace SaeExplorer.Web.Components.Pages.Compare;

public sealed partial class PairedTopicsPlot
{
    private const string UnchangedColor = "#b0b0b0";

    [Parameter, EditorRequired] public PairedTopics Paired { get; set; } = null!;

    private IList<ITrace> _data = [];
    private PlotlyLayout _layout = new();
    private readonly Config _config = new() { Responsive = true, DisplayLogo = false, DisplayModeBar = Plotly.Blazor.ConfigLib.DisplayModeBarEnum.False };

    protected override void OnParametersSet()
    {
        string a = Paired.A, b = Paired.B;
        // A trace per topic, coloured by the condition it is higher under, so the direction of most lines shows at a glance.
        _data = Paired.Pairs.Select(p => (ITrace)new Scatter
        {
            Name = p.Topic,
            Mode = ModeFlag.Lines | ModeFlag.Markers,
            X = [a, b],
            Y = [p.A, p.B],
            TextArray = [Hover(p), Hover(p)],
            HoverInfo = HoverInfoFlag.Text,
            Line = new Line { Color = Color(p), Width = 1.5m },
            Marker = new Marker { Color = Color(p), Size = 6 },
            Opacity = 0.7m,
        }).ToList();
        _layout = new PlotlyLayout
        {
            HoverMode = HoverModeEnum.Closest,
            ShowLegend = false,
            Margin = new Margin { T = 10, B = 40, L = 60, R = 10 },
            XAxis = [new XAxis { Type = Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Category, CategoryArray = [a, b], CategoryOrder = Plotly.Blazor.LayoutLib.XAxisLib.CategoryOrderEnum.Array }],
            YAxis = [new YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = Paired.Metric } }],
        };
    }

    private string Color(TopicPair p) =>
        p.B > p.A ? ConditionPalette.Default.StyleOf(Paired.B).Color.ToHex()
        : p.A > p.B ? ConditionPalette.Default.StyleOf(Paired.A).Color.ToHex()
        : UnchangedColor;

    private string Hover(TopicPair p) => string.Create(CultureInfo.InvariantCulture,
        $"<b>{WebUtility.HtmlEncode(p.Topic)}</b><br>{WebUtility.HtmlEncode(Paired.A)} {p.A:G4} → {WebUtility.HtmlEncode(Paired.B)} {p.B:G4}");
}
