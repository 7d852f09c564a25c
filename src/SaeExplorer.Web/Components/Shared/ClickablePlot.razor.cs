using System.Text.Json;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Plotly.Blazor;
using Plotly.Blazor.Interop;
using PlotlyLayout = Plotly.Blazor.Layout;

namespace SaeExplorer.Web.Components.Shared;

/// <summary>A clicked point: its trace and its index within that trace, as Plotly numbers them.</summary>
public readonly record struct PlotPoint(int Trace, int Point);

public sealed partial class ClickablePlot
{
    [Parameter, EditorRequired] public string TestId { get; set; } = "";
    [Parameter, EditorRequired] public IList<ITrace> Data { get; set; } = [];
    [Parameter, EditorRequired] public PlotlyLayout Layout { get; set; } = new();
    [Parameter, EditorRequired] public Config Config { get; set; } = new();
    [Parameter] public string Style { get; set; } = "height:440px";

    /// <summary>Called with the first point of each click; the receiver checks the numbers against its own traces.</summary>
    [Parameter] public EventCallback<PlotPoint> PointClicked { get; set; }

    /// <summary>Called with the points a lasso or box selected (empty when it caught none); subscribed only when set.</summary>
    [Parameter] public EventCallback<IReadOnlyList<PlotPoint>> PointsSelected { get; set; }

    private PlotlyChart? _chart;
    private bool _subscribed;
    private bool _clickReady;

    private async void SubscribeAsync()
    {
        // Plotly.Blazor calls this after each render of the chart; one subscription per chart is enough.
        if (_subscribed || _chart is null)
            return;
        _subscribed = true;
        try
        {
            await _chart.SubscribeClickEvent();
            if (PointsSelected.HasDelegate)
                await _chart.SubscribeSelectedEvent();
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
        if (points.Select(PointOf).FirstOrDefault(p => p is not null) is { } point)
            _ = InvokeAsync(() => PointClicked.InvokeAsync(point));
    }

    private void OnSelected(IEnumerable<EventDataPoint> points)
    {
        var selected = points.Select(PointOf).OfType<PlotPoint>().Distinct().ToList();
        _ = InvokeAsync(() => PointsSelected.InvokeAsync(selected));
    }

    private static PlotPoint? PointOf(EventDataPoint point) =>
        Index(point.CurveNumber) is { } trace && Index(point.PointNumber) is { } index ? new PlotPoint(trace, index) : null;

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
