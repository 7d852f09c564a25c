using System.Globalization;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using SaeExplorer.Core.Analysis;
using PlotlyLayout = Plotly.Blazor.Layout;

namespace SaeExplorer.Web.Components.Pages.Feature;

/// <summary>The Feature page's smaller plots: histograms drawn from bins Core already counted, and topics across conditions.</summary>
public static class FeatureCharts
{
    /// <summary>Bars at the bins' centres, one bar per bin: the counts come binned, so Plotly must not bin again.</summary>
    public static (IList<ITrace> Data, PlotlyLayout Layout) Bins(HistogramBins bins, int[] counts, string xTitle, string yTitle, string colour)
    {
        var bar = new Bar
        {
            X = Enumerable.Range(0, counts.Length).Select(i => (object)(bins.Start + (i + 0.5) * bins.Size)).ToList(),
            Y = counts.Cast<object>().ToList(),
            WidthArray = Enumerable.Repeat((decimal?)bins.Size, counts.Length).ToList(),
            Marker = new Plotly.Blazor.Traces.BarLib.Marker { Color = colour },
            HoverTemplate = "%{x:.3g}: %{y:,} <extra></extra>",
        };
        return ([bar], Layout(xTitle, yTitle, height: 220));
    }

    /// <summary>One line per topic through the conditions (a gap where a topic has no prompt), grey so the mean stands out.</summary>
    public static (IList<ITrace> Data, PlotlyLayout Layout) Topics(TopicValues topics)
    {
        var x = topics.Conditions.Cast<object>().ToList();
        var data = new List<ITrace>();
        foreach (var row in topics.Topics)
        {
            data.Add(new Scatter
            {
                Name = row.Topic,
                X = x,
                Y = row.Values.Select(v => v is { } d ? (object)d : null!).ToList(),
                Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines | Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers,
                Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = "rgba(120, 120, 120, 0.35)", Width = 1 },
                Marker = new Plotly.Blazor.Traces.ScatterLib.Marker { Size = 4, Color = "rgba(120, 120, 120, 0.6)" },
                ShowLegend = false,
                HoverTemplate = $"{Escape(row.Topic)}: %{{y:.3g}}<extra></extra>",
            });
        }
        var means = topics.Conditions.Select((_, i) =>
        {
            var values = topics.Topics.Select(r => r.Values[i]).OfType<double>().ToArray();
            return values.Length == 0 ? null! : (object)values.Average();
        }).ToList();
        data.Add(new Scatter
        {
            Name = "mean over topics",
            X = x,
            Y = means,
            Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines | Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers,
            Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = "#8c1d18", Width = 3 },
            Marker = new Plotly.Blazor.Traces.ScatterLib.Marker { Size = 7, Color = "#8c1d18" },
            HoverTemplate = "mean: %{y:.3g}<extra></extra>",
        });
        return (data, Layout("Condition", "Pooled activation (0 = inactive)", height: 320));
    }

    private static PlotlyLayout Layout(string xTitle, string yTitle, int height) => new()
    {
        Height = height,
        ShowLegend = false,
        BarGap = 0,
        Margin = new Plotly.Blazor.LayoutLib.Margin { T = 10, B = 45, L = 60, R = 10 },
        XAxis = [new Plotly.Blazor.LayoutLib.XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = xTitle } }],
        YAxis = [new Plotly.Blazor.LayoutLib.YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = yTitle } }],
    };

    /// <summary>Topic names are the user's text and Plotly's hover templates read HTML: escape it.</summary>
    private static string Escape(string text) => System.Net.WebUtility.HtmlEncode(text);

    public static string Percent(double fraction) =>
        fraction > 0 && fraction < 0.001 ? "<0.1%" : fraction.ToString(fraction < 0.1 ? "P1" : "P0", CultureInfo.InvariantCulture);
}
