using ScottPlot;
using ScottPlot.TickGenerators;

namespace SaeExplorer.Reports.Figures;

public sealed partial class FigureExporter
{
    /// <summary>Space between neighbouring panels (they carry tick marks but no tick labels).</summary>
    private const double MatrixGapPoints = 4;

    /// <summary>Margin kept clear along the figure's left and bottom edges.</summary>
    private const double MatrixEdgePoints = 2;

    /// <summary>Most of a diagonal panel's height the tallest histogram bar reaches; the variable's name sits above.</summary>
    private const double HistogramHeight = 0.7;

    /// <summary>Least of a diagonal panel's height the tallest histogram bar reaches, however tall the name.</summary>
    private const double HistogramMinimumHeight = 0.3;

    /// <summary>
    /// A scatter matrix as one plot per panel on a shared canvas, the layout computed for each render:
    /// <list type="number">
    /// <item>a frame plot fills the figure: background, the title (over the grid) and the legend (right of the grid,
    /// centred on it), measured by ScottPlot as in a single plot;</item>
    /// <item>the bottom margin is what the bottom row's x axes need (tick labels and variable names, names wrapped to the
    /// panel width); the panel height follows from it and the title;</item>
    /// <item>each row's y ticks are chosen (ScottPlot's automatic ticks) for that height, and the left margin is what
    /// the left column's y axes need for them and for the names (wrapped to the panel height);</item>
    /// <item>the panel width follows, and each column's x ticks are chosen for it; steps 2–4 run again while wrapping
    /// changes the line count of the bottom names (three rounds at most).</item>
    /// </list>
    /// All k×k data areas are equal, <see cref="MatrixGapPoints"/> apart; every panel of a column shares its x limits
    /// and ticks, every panel of a row its y limits and ticks, so grid lines line up across the matrix. The outer
    /// axes are forced to the common margin, so the names line up too.
    /// </summary>
    private Drawing BuildScatterMatrix(ScatterMatrixFigure figure, double scaleFactor)
    {
        var k = figure.Variables.Count;
        var conditions = ConditionPalette.Order(figure.Points.Select(p => p.Condition));
        var limits = Enumerable.Range(0, k).Select(v => MatrixLimits(figure.Points.Select(p => p.Values[v]))).ToArray();

        var frame = new Plot { ScaleFactor = scaleFactor };
        ApplyTextStyle(frame);
        PlotGrid.PrepareForSharedCanvas(frame, drawsBackground: true);
        frame.Title(figure.Title, Px(Style.TitlePoints));
        foreach (var axis in frame.Axes.GetAxes())
            axis.IsVisible = false;
        frame.HideGrid();
        frame.Axes.SetLimits(0, 1, 0, 1);
        foreach (var condition in conditions)
        {
            var style = Palette.StyleOf(condition);
            frame.Legend.ManualItems.Add(new LegendItem
            {
                LabelText = condition,
                MarkerStyle = new MarkerStyle(ToShape(style.Marker), Px(Style.ScatterMarkerPoints), ToColor(style.Color)),
            });
        }
        // Outside the grid, so the legend never hides points.
        var legend = frame.ShowLegend(Edge.Right);
        ApplyLegendStyle(frame);

        var panels = new Plot[k, k];
        var diagonals = new (ScottPlot.Plottables.Text Name, IReadOnlyList<ScottPlot.Plottables.Scatter> Histograms)[k];
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++)
            {
                var panel = new Plot { ScaleFactor = scaleFactor };
                ApplyTextStyle(panel);
                PlotGrid.PrepareForSharedCanvas(panel, drawsBackground: false);
                panel.Axes.SetLimits(limits[j].Low, limits[j].High, limits[i].Low, limits[i].High);
                if (i == j)
                    diagonals[i] = DrawMatrixDiagonal(panel, figure, conditions, i, limits[i]);
                else
                    DrawMatrixScatter(panel, figure, conditions, row: i, column: j);
                panels[i, j] = panel;
            }

        void Arrange(float width, float height, Paint paint)
        {
            var gap = Px(MatrixGapPoints);
            var edge = Px(MatrixEdgePoints);
            var titleHeight = frame.Axes.Title.Measure(paint);
            var legendWidth = legend.Measure(paint);
            var leftAxes = Enumerable.Range(0, k).Select(i => panels[i, 0].Axes.Left).ToArray();
            var bottomAxes = Enumerable.Range(0, k).Select(j => panels[k - 1, j].Axes.Bottom).ToArray();
            foreach (var axis in leftAxes.Cast<IAxis>().Concat(bottomAxes))
            {
                // Measured afresh on every render; pinned to the common margin below.
                axis.MinimumSize = 0;
                axis.MaximumSize = float.MaxValue;
            }
            for (var j = 0; j < k; j++)
            {
                bottomAxes[j].Label.Text = figure.Variables[j];
                // A placeholder tick so the first measure counts a row of tick labels.
                bottomAxes[j].TickGenerator = ManualTicks([Tick.Major(limits[j].Low, "0")], withLabels: true, limits[j]);
            }

            float panelWidth = 1, panelHeight = 1, gridLeft = 0, gridTop = titleHeight, leftMargin = 0, bottomMargin = 0;
            var lines = bottomAxes.Max(a => LineCount(a.Label.Text));
            for (var pass = 0; pass < 3; pass++)
            {
                bottomMargin = bottomAxes.Max(a => a.Measure(paint));
                panelHeight = Math.Max(1, (height - edge - bottomMargin - gridTop - (k - 1) * gap) / k);
                for (var i = 0; i < k; i++)
                {
                    var ticks = AutomaticTicks(limits[i], Edge.Left, panelHeight, leftAxes[i].TickLabelStyle, paint);
                    for (var j = 0; j < k; j++)
                        panels[i, j].Axes.Left.TickGenerator = ManualTicks(ticks, withLabels: j == 0, limits[i]);
                    leftAxes[i].Label.Text = Wrap(figure.Variables[i], panelHeight, leftAxes[i].Label, paint);
                }
                leftMargin = leftAxes.Max(a => a.Measure(paint));
                gridLeft = edge + leftMargin;
                panelWidth = Math.Max(1, (width - legendWidth - gridLeft - (k - 1) * gap) / k);
                for (var j = 0; j < k; j++)
                {
                    var ticks = AutomaticTicks(limits[j], Edge.Bottom, panelWidth, bottomAxes[j].TickLabelStyle, paint);
                    for (var i = 0; i < k; i++)
                        panels[i, j].Axes.Bottom.TickGenerator = ManualTicks(ticks, withLabels: i == k - 1, limits[j]);
                    bottomAxes[j].Label.Text = Wrap(figure.Variables[j], panelWidth, bottomAxes[j].Label, paint);
                }
                var wrapped = bottomAxes.Max(a => LineCount(a.Label.Text));
                if (wrapped == lines) break;
                lines = wrapped;
            }
            bottomMargin = Math.Max(bottomMargin, bottomAxes.Max(a => a.Measure(paint)));
            foreach (var axis in leftAxes)
                axis.MinimumSize = axis.MaximumSize = leftMargin;
            foreach (var axis in bottomAxes)
                axis.MinimumSize = axis.MaximumSize = bottomMargin;

            for (var i = 0; i < k; i++)
            {
                var top = gridTop + i * (panelHeight + gap);
                for (var j = 0; j < k; j++)
                {
                    var left = gridLeft + j * (panelWidth + gap);
                    panels[i, j].Layout.Fixed(new PixelRect(left, left + panelWidth, top + panelHeight, top));
                }
                // The name on top, the histograms below it: as tall as the room the (wrapped) name leaves.
                var (name, histograms) = diagonals[i];
                name.LabelText = Wrap(figure.Variables[i], panelWidth - gap, name.LabelStyle, paint);
                var room = (panelHeight - name.LabelStyle.Measure(name.LabelText, paint).Height - 2 * name.OffsetY) / panelHeight;
                var share = Math.Clamp(room, HistogramMinimumHeight, HistogramHeight);
                foreach (var histogram in histograms)
                {
                    histogram.ScaleY = share * (limits[i].High - limits[i].Low);
                    histogram.OffsetY = limits[i].Low;
                }
            }
            var gridRight = gridLeft + k * panelWidth + (k - 1) * gap;
            var gridBottom = gridTop + k * panelHeight + (k - 1) * gap;
            frame.Layout.Fixed(new PixelRect(gridLeft, gridRight, gridBottom, gridTop));
        }

        var cells = new List<(int Row, int Column, Plot Plot)>(k * k);
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++)
                cells.Add((i, j, panels[i, j]));
        return new PlotGrid(frame, cells, Arrange, scaleFactor);
    }

    /// <summary>Variable <paramref name="column"/> (x) against variable <paramref name="row"/> (y), by condition.</summary>
    private void DrawMatrixScatter(Plot panel, ScatterMatrixFigure figure, IReadOnlyList<string> conditions, int row, int column)
    {
        foreach (var condition in conditions)
        {
            var points = figure.Points
                .Where(p => p.Condition == condition && !double.IsNaN(p.Values[column]) && !double.IsNaN(p.Values[row]))
                .ToArray();
            if (points.Length == 0) continue;
            var style = Palette.StyleOf(condition);
            var scatter = panel.Add.ScatterPoints(points.Select(p => p.Values[column]).ToArray(), points.Select(p => p.Values[row]).ToArray(), ToColor(style.Color));
            scatter.MarkerShape = ToShape(style.Marker);
            scatter.MarkerSize = Px(Style.ScatterMarkerPoints);
        }
    }

    /// <summary>
    /// The variable's name at the top and below it one histogram outline per condition (a density, so conditions with
    /// few points compare with those with many), all on shared bins spanning the panel. The panel keeps the row's y
    /// limits so its tick labels (left column) stay those of the row; histogram heights have no unit: they are drawn
    /// from 0 to 1 (the tallest bin) and scaled into the panel by the layout, under the name.
    /// </summary>
    private (ScottPlot.Plottables.Text Name, IReadOnlyList<ScottPlot.Plottables.Scatter> Histograms) DrawMatrixDiagonal(Plot panel, ScatterMatrixFigure figure, IReadOnlyList<string> conditions, int variable, (double Low, double High) limits)
    {
        panel.HideGrid();
        var all = figure.Points.Select(p => p.Values[variable]).Where(v => !double.IsNaN(v)).ToArray();
        // Sturges' rule, kept between 4 and 12 bins: small panels show no more.
        var bins = Math.Clamp((int)Math.Ceiling(Math.Log2(all.Length)) + 1, 4, 12);
        var width = (limits.High - limits.Low) / bins;
        var densities = new List<(string Condition, double[] Density)>();
        foreach (var condition in conditions)
        {
            var values = figure.Points.Where(p => p.Condition == condition).Select(p => p.Values[variable]).Where(v => !double.IsNaN(v)).ToArray();
            if (values.Length == 0) continue;
            var counts = new double[bins];
            foreach (var v in values)
                counts[Math.Clamp((int)Math.Floor((v - limits.Low) / width), 0, bins - 1)]++;
            densities.Add((condition, counts.Select(c => c / (values.Length * width)).ToArray()));
        }
        var max = densities.Max(d => d.Density.Max());
        var histograms = new List<ScottPlot.Plottables.Scatter>();
        foreach (var (condition, density) in densities)
        {
            // A step outline: up the left edge, across each bin at its height, down the right edge.
            var xs = new List<double> { limits.Low };
            var ys = new List<double> { 0 };
            for (var b = 0; b < bins; b++)
            {
                var top = density[b] / max;
                xs.Add(limits.Low + b * width);
                ys.Add(top);
                xs.Add(limits.Low + (b + 1) * width);
                ys.Add(top);
            }
            xs.Add(limits.High);
            ys.Add(0);
            var line = panel.Add.ScatterLine(xs.ToArray(), ys.ToArray(), ToColor(Palette.ColorOf(condition)));
            line.LineWidth = Px(Style.LineWidthPoints) * 1.5f;
            line.MarkerSize = 0;
            // Placed by the layout; until then, as tall as it may get.
            line.ScaleY = HistogramHeight * (limits.High - limits.Low);
            line.OffsetY = limits.Low;
            histograms.Add(line);
        }
        var name = panel.Add.Text(figure.Variables[variable], (limits.Low + limits.High) / 2, limits.High);
        name.LabelStyle.FontName = EmbeddedFonts.Family;
        name.LabelStyle.Bold = false;
        name.LabelStyle.FontSize = Px(Style.AxisLabelPoints);
        name.LabelStyle.ForeColor = Colors.Black;
        name.LabelAlignment = Alignment.UpperCenter;
        name.OffsetY = Px(MatrixEdgePoints);
        return (name, histograms);
    }

    /// <summary>A variable's axis range: its finite values with a margin, so no marker sits on a panel's edge.</summary>
    private static (double Low, double High) MatrixLimits(IEnumerable<double> values)
    {
        var finite = values.Where(v => !double.IsNaN(v)).ToArray();
        double low = finite.Min(), high = finite.Max();
        var pad = high > low ? 0.06 * (high - low) : Math.Max(Math.Abs(low) * 0.1, 0.5);
        return (low - pad, high + pad);
    }

    /// <summary>The major ticks ScottPlot's automatic generator picks for an axis of this length.</summary>
    private static Tick[] AutomaticTicks((double Low, double High) range, Edge edge, float length, LabelStyle tickLabels, Paint paint)
    {
        var generator = new NumericAutomatic();
        tickLabels.ApplyToPaint(paint);
        generator.Regenerate(new CoordinateRange(range.Low, range.High), edge, new PixelLength(length), paint, tickLabels);
        return generator.Ticks.Where(t => t.IsMajor).ToArray();
    }

    /// <summary>
    /// The same tick marks on every panel of a row or column; labels only on the outer one. Generated at once (a manual
    /// generator lists its ticks only after a regeneration), so the axis can be measured before the render.
    /// </summary>
    private static NumericManual ManualTicks(Tick[] ticks, bool withLabels, (double Low, double High) range)
    {
        var manual = new NumericManual(ticks.Select(t => t.Position).ToArray(), ticks.Select(t => withLabels ? t.Label : "").ToArray());
        using var paint = Paint.NewDisposablePaint();
        manual.Regenerate(new CoordinateRange(range.Low, range.High), Edge.Left, new PixelLength(1), paint, LabelStyle.Default);
        return manual;
    }

    /// <summary>Breaks <paramref name="text"/> at spaces into lines no wider than <paramref name="width"/> where it can.</summary>
    private static string Wrap(string text, float width, LabelStyle style, Paint paint)
    {
        var lines = new List<string>();
        var line = "";
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = line.Length == 0 ? word : line + " " + word;
            if (line.Length > 0 && style.Measure(candidate, paint).Width > width)
            {
                lines.Add(line);
                line = word;
            }
            else
            {
                line = candidate;
            }
        }
        lines.Add(line);
        return string.Join('\n', lines);
    }

    private static int LineCount(string text) => text.Count(c => c == '\n') + 1;
}
