using ScottPlot;
using ScottPlot.TickGenerators;

namespace SaeExplorer.Reports.Figures;

public sealed partial class FigureExporter
{
    /// <summary>Grey of reference lines: present, but quieter than the data.</summary>
    private static readonly Color ReferenceGrey = new(0x66, 0x66, 0x66);

    /// <summary>
    /// How far series <paramref name="series"/> of <paramref name="count"/> sits from its category's centre, in category
    /// widths: side by side, centred, at most 0.6 of a category wide in all.
    /// </summary>
    internal static double IntervalOffset(int series, int count) => (series - (count - 1) / 2.0) * Math.Min(0.25, 0.6 / count);

    /// <summary>
    /// The marker of series <paramref name="series"/> of an <see cref="IntervalSeriesFigure"/>: filled circle, open
    /// circle, filled square, open square, filled diamond, open diamond. "Open" is filled white inside a ring of the
    /// colour, so the whisker behind it does not show through and the marker reads as open.
    /// </summary>
    internal static (MarkerShape Shape, bool Open) SeriesMarker(int series) => series switch
    {
        0 => (MarkerShape.FilledCircle, false),
        1 => (MarkerShape.FilledCircle, true),
        2 => (MarkerShape.FilledSquare, false),
        3 => (MarkerShape.FilledSquare, true),
        4 => (MarkerShape.FilledDiamond, false),
        5 => (MarkerShape.FilledDiamond, true),
        _ => throw new ArgumentOutOfRangeException(nameof(series), series, null),
    };

    /// <summary>Interval points: a little larger than scatter markers, so an open one reads as open around its whisker.</summary>
    private float IntervalMarkerSize => Px(Style.ScatterMarkerPoints * 1.25);

    private float WhiskerWidth => Px(Style.LineWidthPoints) * 1.5f;

    private MarkerStyle SeriesMarkerStyle(int series, Color color)
    {
        var (shape, open) = SeriesMarker(series);
        var style = new MarkerStyle(shape, IntervalMarkerSize, color);
        if (open)
        {
            style.FillColor = Colors.White;
            style.OutlineColor = color;
            style.OutlineWidth = WhiskerWidth;
        }
        return style;
    }

    private void DrawIntervalSeries(Plot plot, IntervalSeriesFigure figure)
    {
        plot.Title(figure.Title, Px(Style.TitlePoints));
        plot.XLabel(figure.CategoryLabel, Px(Style.AxisLabelPoints));
        plot.YLabel(figure.ValueLabel, Px(Style.AxisLabelPoints));
        if (figure.ReferenceLine is { } reference)
            AddReferenceLine(plot.Add.HorizontalLine(reference));

        var order = ConditionPalette.Order(figure.Categories);
        var column = figure.Categories.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var count = figure.Series.Count;
        for (var position = 0; position < order.Count; position++)
        {
            var c = column[order[position]];
            var color = ToColor(Palette.ColorOf(order[position]));
            var present = Enumerable.Range(0, count).Where(s => figure.Series[s].Points[c] is not null).ToArray();
            if (present.Length == 0) continue;
            var xs = present.Select(s => position + IntervalOffset(s, count)).ToArray();
            var points = present.Select(s => figure.Series[s].Points[c]!.Value).ToArray();
            // Whiskers first, so the points are drawn over them.
            plot.Add.Plottable(new ScottPlot.Plottables.ErrorBar(
                xs,
                points.Select(p => p.Estimate).ToArray(),
                xErrorsPositive: null,
                xErrorsNegative: null,
                yErrorsPositive: points.Select(p => p.Upper - p.Estimate).ToArray(),
                yErrorsNegative: points.Select(p => p.Estimate - p.Lower).ToArray())
            {
                Color = color,
                LineWidth = WhiskerWidth,
                CapSize = Px(3),
            });
            for (var n = 0; n < present.Length; n++)
            {
                var marker = plot.Add.Markers(new[] { xs[n] }, new[] { points[n].Estimate }, MarkerShape.FilledCircle, IntervalMarkerSize, color);
                marker.MarkerStyle = SeriesMarkerStyle(present[n], color);
            }
        }

        // The legend tells the series apart by marker alone (colour belongs to the categories), so its symbols are black.
        for (var s = 0; s < count; s++)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = figure.Series[s].Name, MarkerStyle = SeriesMarkerStyle(s, Colors.Black) });
        // Above the data area, in one row: a few series need little height, and the categories keep the full width.
        var legend = plot.ShowLegend(Edge.Top);
        legend.Padding = new PixelPadding(0, 0);
        ApplyLegendStyle(plot);

        plot.Axes.Bottom.TickGenerator = new NumericManual(order.Select((_, i) => (double)i).ToArray(), order.ToArray());
        var available = figure.Series.SelectMany(s => s.Points).OfType<IntervalPoint>().ToArray();
        var (low, high) = PaddedRange(available.Min(p => p.Lower), available.Max(p => p.Upper), figure.ReferenceLine);
        plot.Axes.SetLimits(-0.6, order.Count - 0.4, low, high);
        HideCategoryGrid(plot);
    }

    private void DrawLadder(Plot plot, LadderFigure figure)
    {
        plot.Title(figure.Title, Px(Style.TitlePoints));
        plot.XLabel(figure.ValueLabel, Px(Style.AxisLabelPoints));
        if (figure.ReferenceLine is { } reference)
            AddReferenceLine(plot.Add.VerticalLine(reference));

        var items = figure.Items;
        for (var rank = 0; rank < items.Count; rank++)
        {
            var item = items[rank];
            double y = LadderPosition(rank, items.Count);
            var style = item.Condition is { } condition ? Palette.StyleOf(condition) : null;
            var color = style is null ? Colors.Black : ToColor(style.Color);
            plot.Add.Plottable(new ScottPlot.Plottables.ErrorBar(
                [item.Estimate],
                [y],
                xErrorsPositive: [item.Upper - item.Estimate],
                xErrorsNegative: [item.Estimate - item.Lower],
                yErrorsPositive: null,
                yErrorsNegative: null)
            {
                Color = color,
                LineWidth = WhiskerWidth,
                CapSize = Px(3),
            });
            plot.Add.Markers(new[] { item.Estimate }, new[] { y }, style is null ? MarkerShape.FilledCircle : ToShape(style.Marker), IntervalMarkerSize, color);
        }

        // Colour needs a key only where the labels do not already name the conditions.
        if (items.Any(i => i.Condition is not null && i.Condition != i.Label))
        {
            foreach (var condition in ConditionPalette.Order(items.Select(i => i.Condition).OfType<string>()))
            {
                var style = Palette.StyleOf(condition);
                plot.Legend.ManualItems.Add(new LegendItem
                {
                    LabelText = condition,
                    MarkerStyle = new MarkerStyle(ToShape(style.Marker), IntervalMarkerSize, ToColor(style.Color)),
                });
            }
            plot.ShowLegend(Edge.Right);
            ApplyLegendStyle(plot);
        }
        else
        {
            plot.HideLegend();
        }

        plot.Axes.Left.TickGenerator = new NumericManual(
            items.Select((_, rank) => LadderPosition(rank, items.Count)).ToArray(),
            items.Select(i => i.Label).ToArray());
        var (low, high) = PaddedRange(items.Min(i => i.Lower), items.Max(i => i.Upper), figure.ReferenceLine);
        plot.Axes.SetLimits(low, high, -0.6, items.Count - 0.4);
        // The rungs are categories: no horizontal grid lines or tick marks on the label axis.
        plot.Grid.YAxisStyle.IsVisible = false;
        plot.Axes.Left.MajorTickStyle.Length = 0;
    }

    /// <summary>The y coordinate of the item of this rank (0 = highest estimate, drawn on top).</summary>
    internal static double LadderPosition(int rank, int count) => count - 1 - rank;

    private void AddReferenceLine(ScottPlot.Plottables.AxisLine line)
    {
        line.Color = ReferenceGrey;
        line.LineWidth = Px(Style.LineWidthPoints);
        line.LinePattern = LinePattern.Dashed;
    }

    /// <summary>From <paramref name="low"/> to <paramref name="high"/> (and the reference, if any) with 8% room each side.</summary>
    private static (double Low, double High) PaddedRange(double low, double high, double? reference)
    {
        if (reference is { } r)
        {
            low = Math.Min(low, r);
            high = Math.Max(high, r);
        }
        var span = high - low > 0 ? high - low : Math.Max(Math.Abs(low), 1);
        return (low - 0.08 * span, high + 0.08 * span);
    }
}
