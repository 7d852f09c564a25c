using System.Globalization;
using System.Text;
using System.Xml.Linq;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace SaeExplorer.Reports.Figures;

/// <summary>
/// Draws <see cref="Figure"/>s with ScottPlot as publication PNGs (at the size's dpi, resolution recorded in the file)
/// and SVGs (sized in inches). Rendering is headless, needs no installed fonts and gives byte-identical output for the
/// same input.
/// </summary>
public sealed partial class FigureExporter
{
    // ScottPlot lays out in logical pixels of 1/96 in; Plot.ScaleFactor multiplies everything for higher resolutions.
    private const double LogicalDpi = 96;

    // ScottPlot keeps its font resolvers and typeface cache in process-wide state; one render at a time keeps them safe.
    private static readonly object RenderGate = new();

    public FigureExporter(FigureStyle? style = null, ConditionPalette? palette = null)
    {
        Style = style ?? FigureStyle.Default;
        Palette = palette ?? ConditionPalette.Default;
        EmbeddedFonts.EnsureRegistered();
    }

    public FigureStyle Style { get; }
    public ConditionPalette Palette { get; }

    /// <summary>A PNG of <paramref name="size"/>'s pixel dimensions with a pHYs chunk stating its dpi.</summary>
    public byte[] RenderPng(Figure figure, FigureSize size) => RenderPngWithLayout(figure, size).Png;

    /// <summary>An SVG document whose width and height are <paramref name="size"/>'s inches.</summary>
    public string RenderSvg(Figure figure, FigureSize size)
    {
        ArgumentNullException.ThrowIfNull(figure);
        ArgumentNullException.ThrowIfNull(size);
        var width = (int)Math.Round(size.WidthInches * LogicalDpi);
        var height = (int)Math.Round(size.HeightInches * LogicalDpi);
        string xml;
        lock (RenderGate)
        {
            using var drawing = Build(figure, scaleFactor: 1);
            xml = drawing.GetSvgXml(width, height);
        }
        return PolishSvg(xml, size, width, height);
    }

    /// <summary>Writes a PNG or an SVG, chosen by the extension of <paramref name="path"/>.</summary>
    public void Save(Figure figure, string path, FigureSize size)
    {
        ArgumentNullException.ThrowIfNull(path);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        switch (extension)
        {
            case ".png":
                Core.Exports.AtomicFile.WriteAllBytes(path, RenderPng(figure, size));
                break;
            case ".svg":
                Core.Exports.AtomicFile.WriteAllBytes(path, new UTF8Encoding(false).GetBytes(RenderSvg(figure, size)));
                break;
            default:
                throw new ArgumentException($"'{path}': figures are saved as .png or .svg, not '{extension}'.", nameof(path));
        }
    }

    /// <summary>Writes <c>{pathWithoutExtension}.png</c> and <c>.svg</c>; returns both paths.</summary>
    public IReadOnlyList<string> SavePngAndSvg(Figure figure, string pathWithoutExtension, FigureSize size)
    {
        ArgumentNullException.ThrowIfNull(pathWithoutExtension);
        var png = pathWithoutExtension + ".png";
        var svg = pathWithoutExtension + ".svg";
        Save(figure, png, size);
        Save(figure, svg, size);
        return [png, svg];
    }

    /// <summary>The PNG and where a data coordinate landed in it (for tests that check pixels).</summary>
    internal RenderedPng RenderPngWithLayout(Figure figure, FigureSize size)
    {
        ArgumentNullException.ThrowIfNull(figure);
        ArgumentNullException.ThrowIfNull(size);
        var scale = size.Dpi / LogicalDpi;
        lock (RenderGate)
        {
            using var drawing = Build(figure, scale);
            using var image = drawing.GetImage(size.WidthPixels, size.HeightPixels);
            var png = PngMetadata.WithDpi(image.GetImageBytes(ImageFormat.Png, 100), size.Dpi);
            var panels = drawing.Panels.Select(p => PanelLayout(p.Row, p.Column, p.Plot, scale)).ToArray();
            if (drawing.Panels.Count == 1)
                return new RenderedPng(png, panels[0].PixelOf, panels[0].DataArea, panels);
            var grid = (panels.Min(p => p.DataArea.Left), panels.Min(p => p.DataArea.Top), panels.Max(p => p.DataArea.Right), panels.Max(p => p.DataArea.Bottom));
            return new RenderedPng(png, (_, _) => throw new InvalidOperationException("a figure of several panels maps data per panel: use Panels."), grid, panels);
        }
    }

    private static RenderedPanel PanelLayout(int row, int column, Plot plot, double scale)
    {
        var render = plot.LastRender;
        var limits = render.AxisLimits;
        var rect = render.DataRect;
        (double X, double Y) PixelOf(double x, double y) => (
            (rect.Left + (x - limits.Left) / (limits.Right - limits.Left) * rect.Width) * scale,
            (rect.Top + (limits.Top - y) / (limits.Top - limits.Bottom) * rect.Height) * scale);
        return new RenderedPanel(row, column, PixelOf, (rect.Left * scale, rect.Top * scale, rect.Right * scale, rect.Bottom * scale));
    }

    /// <param name="PixelOf">Image pixel of a data coordinate (single-panel figures only).</param>
    /// <param name="DataArea">The data area's edges in image pixels; for a grid of panels, the box around all of them.</param>
    /// <param name="Panels">Every panel's data area and mapping: one for a single plot, k×k for a scatter matrix.</param>
    internal sealed record RenderedPng(byte[] Png, Func<double, double, (double X, double Y)> PixelOf, (double Left, double Top, double Right, double Bottom) DataArea, IReadOnlyList<RenderedPanel> Panels);

    /// <param name="Row">The panel's row, from the top.</param>
    /// <param name="Column">The panel's column, from the left.</param>
    /// <param name="PixelOf">Image pixel of a data coordinate of this panel.</param>
    /// <param name="DataArea">The panel's data area's edges in image pixels.</param>
    internal sealed record RenderedPanel(int Row, int Column, Func<double, double, (double X, double Y)> PixelOf, (double Left, double Top, double Right, double Bottom) DataArea);

    private Drawing Build(Figure figure, double scaleFactor)
    {
        if (figure is ScatterMatrixFigure matrix)
            return BuildScatterMatrix(matrix, scaleFactor);
        var plot = new Plot { ScaleFactor = scaleFactor };
        ApplyTextStyle(plot);
        switch (figure)
        {
            case ConditionScatterFigure scatter:
                DrawScatter(plot, scatter);
                break;
            case FeatureActivationFigure feature:
                DrawFeature(plot, feature);
                break;
            case ConditionComparisonFigure comparison:
                DrawComparison(plot, comparison);
                break;
            case IntervalSeriesFigure intervals:
                DrawIntervalSeries(plot, intervals);
                break;
            case LadderFigure ladder:
                DrawLadder(plot, ladder);
                break;
            default:
                plot.Dispose();
                throw new ArgumentException($"no drawing for {figure.GetType().Name}.", nameof(figure));
        }
        return new SinglePlot(plot);
    }

    private void DrawScatter(Plot plot, ConditionScatterFigure figure)
    {
        plot.Title(figure.Title, Px(Style.TitlePoints));
        plot.XLabel(figure.XLabel, Px(Style.AxisLabelPoints));
        plot.YLabel(figure.YLabel, Px(Style.AxisLabelPoints));
        foreach (var condition in ConditionPalette.Order(figure.Points.Select(p => p.Condition)))
        {
            var points = figure.Points.Where(p => p.Condition == condition).ToArray();
            var style = Palette.StyleOf(condition);
            var scatter = plot.Add.ScatterPoints(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray(), ToColor(style.Color));
            scatter.MarkerShape = ToShape(style.Marker);
            scatter.MarkerSize = Px(Style.ScatterMarkerPoints);
            scatter.LegendText = condition;
        }
        if (!figure.ShowTickLabels)
        {
            plot.Axes.Bottom.TickGenerator = new EmptyTickGenerator();
            plot.Axes.Left.TickGenerator = new EmptyTickGenerator();
            plot.HideGrid();
        }
        // Outside the data area, so the legend never hides points.
        plot.ShowLegend(Edge.Right);
        ApplyLegendStyle(plot);
    }

    private void DrawFeature(Plot plot, FeatureActivationFigure figure)
    {
        plot.Title(figure.Title, Px(Style.TitlePoints));
        plot.XLabel("Condition (share of prompts where active)", Px(Style.AxisLabelPoints));
        plot.YLabel(figure.ValueLabel, Px(Style.AxisLabelPoints));
        var byName = figure.Conditions.ToDictionary(c => c.Condition, StringComparer.Ordinal);
        var order = ConditionPalette.Order(figure.Conditions.Select(c => c.Condition));
        var ticks = new NumericManual();
        var max = 0.0;
        for (var i = 0; i < order.Count; i++)
        {
            var values = byName[order[i]].Values;
            var style = Palette.StyleOf(order[i]);
            // Deterministic jitter (golden-ratio sequence) spreads the prompts across the column without randomness.
            var xs = values.Select((_, j) => i + (Fraction(j * 0.6180339887498949) - 0.5) * 0.5).ToArray();
            plot.Add.Markers(xs, values.ToArray(), ToShape(style.Marker), Px(Style.StripMarkerPoints), ToColor(style.Color));
            ticks.AddMajor(i, $"{order[i]}\n{Percent(byName[order[i]].FractionActive)}");
            max = Math.Max(max, values.Max());
        }
        plot.Axes.Bottom.TickGenerator = ticks;
        var top = max > 0 ? max : 1;
        // A little room below 0 keeps the inactive prompts clear of the axis line.
        plot.Axes.SetLimits(-0.6, order.Count - 0.4, -0.05 * top, 1.08 * top);
        HideCategoryGrid(plot);
    }

    private void DrawComparison(Plot plot, ConditionComparisonFigure figure)
    {
        plot.Title(figure.Title, Px(Style.TitlePoints));
        plot.XLabel("Condition", Px(Style.AxisLabelPoints));
        plot.YLabel(figure.IntervalLabel.Length == 0 ? figure.ValueLabel : $"{figure.ValueLabel} (±{figure.IntervalLabel})", Px(Style.AxisLabelPoints));
        var byName = figure.Estimates.ToDictionary(e => e.Condition, StringComparer.Ordinal);
        var order = ConditionPalette.Order(figure.Estimates.Select(e => e.Condition));
        var estimates = order.Select(c => byName[c]).ToArray();
        var bars = estimates.Select((e, i) => new Bar
        {
            Position = i,
            Value = e.Mean,
            Size = 0.7,
            FillColor = ToColor(Palette.ColorOf(e.Condition)),
            LineColor = Colors.Black,
            LineWidth = (float)Px(Style.LineWidthPoints),
        }).ToArray();
        plot.Add.Bars(bars);
        var positions = estimates.Select((_, i) => (double)i).ToArray();
        // Only vertical whiskers: ScottPlot's ErrorBar draws no horizontal ones when their lists are null.
        var errorBars = new ScottPlot.Plottables.ErrorBar(
            positions,
            estimates.Select(e => e.Mean).ToArray(),
            xErrorsPositive: null!,
            xErrorsNegative: null!,
            yErrorsPositive: estimates.Select(e => e.Upper - e.Mean).ToArray(),
            yErrorsNegative: estimates.Select(e => e.Mean - e.Lower).ToArray())
        {
            Color = Colors.Black,
            LineWidth = (float)Px(Style.LineWidthPoints) * 1.5f,
            CapSize = (float)Px(4),
        };
        plot.Add.Plottable(errorBars);
        plot.Axes.Bottom.TickGenerator = new NumericManual(positions, order.ToArray());
        var low = Math.Min(0, estimates.Min(e => e.Lower));
        var high = Math.Max(0, estimates.Max(e => e.Upper));
        var span = high - low > 0 ? high - low : 1;
        // Bars start at 0 (a bar's length is its value); the top keeps room above the highest whisker.
        plot.Axes.SetLimits(-0.6, order.Count - 0.4, low < 0 ? low - 0.06 * span : 0, high + 0.08 * span);
        HideCategoryGrid(plot);
    }

    private void ApplyTextStyle(Plot plot)
    {
        // Each label is named separately: FontStyler.Set would pin one resolved (regular) typeface on all of them and
        // so lose the bold title.
        plot.Axes.Title.Label.FontName = EmbeddedFonts.Family;
        plot.Axes.Title.Label.Bold = true;
        foreach (var axis in plot.Axes.GetAxes())
        {
            axis.Label.FontName = EmbeddedFonts.Family;
            axis.Label.Bold = false;
            axis.TickLabelStyle.FontName = EmbeddedFonts.Family;
            axis.Label.FontSize = Px(Style.AxisLabelPoints);
            axis.TickLabelStyle.FontSize = Px(Style.TickLabelPoints);
            axis.FrameLineStyle.Width = (float)Px(Style.LineWidthPoints);
            axis.MajorTickStyle.Width = (float)Px(Style.LineWidthPoints);
            // Minor ticks crowd an axis at print size; the grid already marks the major values.
            axis.MinorTickStyle.Length = 0;
        }
        // Open top and right frame: the usual look of print figures, less ink.
        plot.Axes.Top.FrameLineStyle.Width = 0;
        plot.Axes.Right.FrameLineStyle.Width = 0;
    }

    private void ApplyLegendStyle(Plot plot)
    {
        plot.Legend.FontName = EmbeddedFonts.Family;
        plot.Legend.FontSize = Px(Style.LegendPoints);
        plot.Legend.OutlineWidth = 0;
        plot.Legend.ShadowColor = Colors.Transparent;
    }

    private static void HideCategoryGrid(Plot plot)
    {
        plot.Grid.XAxisStyle.IsVisible = false;
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
    }

    /// <summary>
    /// Gives the SVG its printed size in inches (the drawing keeps its 1/96 in units through viewBox) and tidies
    /// Skia's text output: the indentation around each string and the trailing comma of its glyph-position lists.
    /// </summary>
    private static string PolishSvg(string svg, FigureSize size, int width, int height)
    {
        var doc = XDocument.Parse(svg, LoadOptions.PreserveWhitespace);
        var root = doc.Root ?? throw new InvalidOperationException("ScottPlot returned an empty SVG.");
        root.SetAttributeValue("viewBox", string.Create(CultureInfo.InvariantCulture, $"0 0 {width} {height}"));
        root.SetAttributeValue("width", string.Create(CultureInfo.InvariantCulture, $"{size.WidthInches:0.###}in"));
        root.SetAttributeValue("height", string.Create(CultureInfo.InvariantCulture, $"{size.HeightInches:0.###}in"));
        RenumberIds(root);
        foreach (var text in root.Descendants(root.Name.Namespace + "text"))
        {
            if (!text.HasElements) text.Value = text.Value.Trim();
            foreach (var name in new[] { "x", "y" })
            {
                var attribute = text.Attribute(name);
                if (attribute is not null) attribute.Value = attribute.Value.Trim().TrimEnd(',').Trim();
            }
        }
        return root.ToString(SaveOptions.DisableFormatting) + "\n";
    }

    /// <summary>
    /// Skia names clip paths from a process-wide counter, so the same figure would get different ids on each render;
    /// numbering them in document order keeps SVG output identical for identical input.
    /// </summary>
    private static void RenumberIds(XElement root)
    {
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var element in root.DescendantsAndSelf())
        {
            var id = element.Attribute("id");
            if (id is null) continue;
            var fresh = string.Create(CultureInfo.InvariantCulture, $"saex{renamed.Count + 1}");
            renamed[id.Value] = fresh;
            id.Value = fresh;
        }
        if (renamed.Count == 0) return;
        foreach (var attribute in root.DescendantsAndSelf().Attributes())
        {
            if (attribute.IsNamespaceDeclaration || attribute.Name == "id") continue;
            var value = attribute.Value;
            if (value.StartsWith('#') && renamed.TryGetValue(value[1..], out var target))
            {
                attribute.Value = "#" + target;
                continue;
            }
            if (!value.Contains("url(#", StringComparison.Ordinal)) continue;
            foreach (var (from, to) in renamed)
                value = value.Replace($"url(#{from})", $"url(#{to})", StringComparison.Ordinal);
            attribute.Value = value;
        }
    }

    /// <summary>ScottPlot sizes are logical pixels (1/96 in); styles are in points (1/72 in).</summary>
    private static float Px(double points) => (float)(points * LogicalDpi / 72);

    private static double Fraction(double x) => x - Math.Floor(x);

    private static string Percent(double fraction) => (fraction * 100).ToString("0", CultureInfo.InvariantCulture) + "%";

    private static Color ToColor(RgbColor c) => new(c.R, c.G, c.B);

    private static MarkerShape ToShape(ConditionMarker marker) => marker switch
    {
        ConditionMarker.Circle => MarkerShape.FilledCircle,
        ConditionMarker.Square => MarkerShape.FilledSquare,
        ConditionMarker.TriangleUp => MarkerShape.FilledTriangleUp,
        ConditionMarker.Diamond => MarkerShape.FilledDiamond,
        ConditionMarker.TriangleDown => MarkerShape.FilledTriangleDown,
        ConditionMarker.OpenCircle => MarkerShape.OpenCircle,
        _ => throw new ArgumentOutOfRangeException(nameof(marker), marker, null),
    };
}
