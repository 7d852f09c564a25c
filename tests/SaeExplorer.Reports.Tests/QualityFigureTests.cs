using System.Buffers.Binary;
using System.Globalization;
using System.Xml.Linq;
using SaeExplorer.Reports.Figures;

namespace SaeExplorer.Reports.Tests;

/// <summary>
/// The quality-triangle figures (scatter matrix, interval series, Bradley–Terry ladder): printed size, resolution,
/// byte-identical output, and pixels where the data says they are. Set SAEX_FIGURE_EXAMPLES_DIR to a folder to write
/// the examples there.
/// </summary>
public sealed class QualityFigureTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private static readonly (byte, byte, byte) White = (255, 255, 255);
    private readonly FigureExporter _exporter = new();

    public static TheoryData<string, double, double, int> KindsAndSizes()
    {
        var data = new TheoryData<string, double, double, int>();
        foreach (var kind in new[] { "matrix", "matrix5", "intervals", "ladder" })
        {
            data.Add(kind, 3.5, 2.8, 300);
            data.Add(kind, 7.0, 3.6, 300);
            data.Add(kind, 5.0, 5.0, 600);
        }
        return data;
    }

    internal static Figure Figure(string kind) => kind switch
    {
        "matrix" => SyntheticQualityFigures.Triangle(),
        "matrix5" => SyntheticQualityFigures.Triangle(5),
        "intervals" => SyntheticQualityFigures.WinRates(),
        "ladder" => SyntheticQualityFigures.Strengths(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Fact]
    public void Every_quality_figure_renders_at_its_printed_size_and_300_dpi_in_png_and_svg()
    {
        var dir = Environment.GetEnvironmentVariable("SAEX_FIGURE_EXAMPLES_DIR")
            ?? Path.Combine(Path.GetTempPath(), "saex-quality-figures-" + Guid.NewGuid().ToString("N"));
        (string Kind, string Name, FigureSize Size)[] examples =
        [
            ("matrix", "quality_triangle_matrix", new FigureSize(7.0, 6.0)),
            ("matrix", "quality_triangle_matrix_single", FigureSize.SingleColumn.WithHeight(3.5)),
            ("matrix5", "scatter_matrix_5", FigureSize.DoubleColumn.WithHeight(6.5)),
            ("intervals", "quality_win_rates", FigureSize.SingleColumn),
            ("ladder", "quality_bradley_terry_ladder", FigureSize.SingleColumn),
        ];
        foreach (var (kind, name, size) in examples)
        {
            var written = _exporter.SavePngAndSvg(Figure(kind), Path.Combine(dir, name), size);
            var png = PngFile.Read(File.ReadAllBytes(written[0]));
            Assert.Equal((size.WidthPixels, size.HeightPixels), (png.Width, png.Height));
            var phys = png.Chunk("pHYs");
            Assert.Equal((11811u, 11811u, (byte)1), (BinaryPrimitives.ReadUInt32BigEndian(phys), BinaryPrimitives.ReadUInt32BigEndian(phys.AsSpan(4)), phys[8]));
            Assert.True(png.Pixels.Pixels.Select(p => (uint)p).Distinct().Count() > 100, $"{name}.png looks empty");
            var svg = XDocument.Load(written[1]).Root!;
            Assert.Equal(size.WidthInches.ToString(CultureInfo.InvariantCulture) + "in", (string?)svg.Attribute("width"));
            Assert.Equal(size.HeightInches.ToString(CultureInfo.InvariantCulture) + "in", (string?)svg.Attribute("height"));
        }
    }

    [Theory]
    [MemberData(nameof(KindsAndSizes))]
    public void Png_is_inches_times_dpi_with_the_dpi_in_pHYs(string kind, double widthInches, double heightInches, int dpi)
    {
        var size = new FigureSize(widthInches, heightInches, dpi);
        var png = PngFile.Read(_exporter.RenderPng(Figure(kind), size));

        Assert.Equal((int)Math.Round(widthInches * dpi), png.Width);
        Assert.Equal((int)Math.Round(heightInches * dpi), png.Height);
        Assert.Equal((png.Width, png.Height), (png.Pixels.Width, png.Pixels.Height));
        var phys = png.Chunk("pHYs");
        var expected = (uint)Math.Round(dpi / 0.0254);
        Assert.Equal((expected, expected, (byte)1), (BinaryPrimitives.ReadUInt32BigEndian(phys), BinaryPrimitives.ReadUInt32BigEndian(phys.AsSpan(4)), phys[8]));
        Assert.True(png.IndexOf("pHYs") < png.IndexOf("IDAT"));
    }

    [Theory]
    [InlineData("matrix")]
    [InlineData("matrix5")]
    [InlineData("intervals")]
    [InlineData("ladder")]
    public void Svg_is_sized_in_inches(string kind)
    {
        var root = XDocument.Parse(_exporter.RenderSvg(Figure(kind), FigureSize.DoubleColumn)).Root!;
        Assert.Equal(Svg + "svg", root.Name);
        Assert.Equal("7in", (string?)root.Attribute("width"));
        Assert.Equal("3.6in", (string?)root.Attribute("height"));
        Assert.Equal("0 0 672 346", (string?)root.Attribute("viewBox"));
        // Every clip path that is referred to exists: ids stay consistent after renumbering across the shared canvas.
        var ids = root.Descendants(Svg + "clipPath").Select(c => (string?)c.Attribute("id")).ToHashSet();
        Assert.All(root.Descendants().Select(e => (string?)e.Attribute("clip-path")).OfType<string>(), r => Assert.Contains(r["url(#".Length..^1], ids));
    }

    [Theory]
    [InlineData("matrix")]
    [InlineData("intervals")]
    [InlineData("ladder")]
    public void The_same_figure_renders_to_the_same_bytes(string kind)
    {
        Assert.Equal(_exporter.RenderPng(Figure(kind), FigureSize.SingleColumn), new FigureExporter().RenderPng(Figure(kind), FigureSize.SingleColumn));
        Assert.Equal(_exporter.RenderSvg(Figure(kind), FigureSize.DoubleColumn), new FigureExporter().RenderSvg(Figure(kind), FigureSize.DoubleColumn));
    }

    [Fact]
    public void Matrix_svg_draws_each_point_once_per_panel_that_has_both_its_values()
    {
        var figure = SyntheticQualityFigures.Triangle();
        var doc = XDocument.Parse(_exporter.RenderSvg(figure, FigureSize.DoubleColumn.WithHeight(6)));
        // Padding is drawn as squares (rect elements); its histogram outlines are paths, so rects count the points.
        var hex = ConditionPalette.Default.ColorOf("padding").ToHex();
        var k = figure.Variables.Count;
        var expected = 1; // the legend's symbol
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++)
                if (i != j)
                    expected += figure.Points.Count(p => p.Condition == "padding" && !double.IsNaN(p.Values[i]) && !double.IsNaN(p.Values[j]));
        Assert.Equal(expected, doc.Descendants(Svg + "rect").Count(r => (string?)r.Attribute("fill") == hex));
        Assert.Contains(figure.Points, p => p.Condition == "padding" && double.IsNaN(p.Values[2]));
    }

    [Fact]
    public void Matrix_panels_form_a_grid_of_equal_aligned_data_areas_with_the_legend_outside()
    {
        var figure = SyntheticQualityFigures.Triangle();
        var rendered = _exporter.RenderPngWithLayout(figure, new FigureSize(7, 6));
        var png = PngFile.Read(rendered.Png);
        var k = figure.Variables.Count;
        Assert.Equal(k * k, rendered.Panels.Count);
        var panel = rendered.Panels.ToDictionary(p => (p.Row, p.Column));
        var (width, height) = (Width(panel[(0, 0)]), Height(panel[(0, 0)]));
        Assert.True(width > 300 && height > 300, $"panels of {width:F0}×{height:F0} px");
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++)
            {
                var p = panel[(i, j)];
                Assert.Equal(width, Width(p), 0.01);
                Assert.Equal(height, Height(p), 0.01);
                Assert.Equal(panel[(0, j)].DataArea.Left, p.DataArea.Left, 0.01);
                Assert.Equal(panel[(i, 0)].DataArea.Top, p.DataArea.Top, 0.01);
                if (j > 0) Assert.True(p.DataArea.Left > panel[(i, j - 1)].DataArea.Right, $"panel ({i},{j}) overlaps its left neighbour");
                if (i > 0) Assert.True(p.DataArea.Top > panel[(i - 1, j)].DataArea.Bottom, $"panel ({i},{j}) overlaps the one above");
            }
        Assert.Equal((panel[(0, 0)].DataArea.Left, panel[(0, 0)].DataArea.Top, panel[(k - 1, k - 1)].DataArea.Right, panel[(k - 1, k - 1)].DataArea.Bottom), rendered.DataArea);
        Assert.Throws<InvalidOperationException>(() => rendered.PixelOf(0, 0));

        foreach (var condition in ConditionPalette.SeedConditions)
        {
            var colour = Rgb(ConditionPalette.Default.ColorOf(condition));
            Assert.True(CountColour(png, colour, ((int)rendered.DataArea.Right + 1, 0, png.Width, png.Height)) >= 20, $"no legend symbol of '{condition}' right of the grid");
        }
    }

    [Fact]
    public void A_matrix_point_lands_in_its_panels_and_is_left_out_where_a_value_is_missing()
    {
        var figure = new ScatterMatrixFigure("four points", ["x", "y", "z"],
        [
            new MatrixPoint([0, 0, 0], "novice"),
            new MatrixPoint([10, 5, double.NaN], "expert"),
            new MatrixPoint([5, 10, 3], "standard"),
            new MatrixPoint([4, 8, 6], "guru"),
        ]);
        var rendered = _exporter.RenderPngWithLayout(figure, new FigureSize(6, 5));
        var png = PngFile.Read(rendered.Png);
        var panel = rendered.Panels.ToDictionary(p => (p.Row, p.Column));
        var novice = Rgb(ConditionPalette.OkabeIto.Vermillion);
        var expert = Rgb(ConditionPalette.OkabeIto.ReddishPurple);

        // Row 1, column 0: x (horizontal) against y (vertical).
        Assert.Equal(novice, At(png, panel[(1, 0)].PixelOf(0, 0)));
        Assert.Equal(expert, At(png, panel[(1, 0)].PixelOf(10, 5)));
        // Row 0, column 1: y (horizontal) against x (vertical).
        Assert.Equal(expert, At(png, panel[(0, 1)].PixelOf(5, 10)));
        Assert.Equal(novice, At(png, panel[(0, 1)].PixelOf(0, 0)));
        Assert.Equal(White, At(png, panel[(1, 0)].PixelOf(5, 2.5)));
        foreach (var p in rendered.Panels)
        {
            var count = CountColour(png, expert, Box(p));
            // Expert has no z: nothing of it in z's row and column (the histogram of z included); elsewhere its marker.
            if (p.Row == 2 || p.Column == 2)
                Assert.True(count == 0, $"panel ({p.Row},{p.Column}) has {count} pixels of expert's colour");
            else
                Assert.True(count >= 20, $"panel ({p.Row},{p.Column}) has only {count} pixels of expert's colour");
        }
        // Novice is everywhere: a marker off the diagonal, a histogram outline on it.
        Assert.All(rendered.Panels, p => Assert.True(CountColour(png, novice, Box(p)) >= 20, $"panel ({p.Row},{p.Column}) lacks novice"));
    }

    [Fact]
    public void Matrix_tick_labels_are_on_the_outer_row_and_column_and_names_label_every_row_and_column()
    {
        var figure = SyntheticQualityFigures.Triangle();
        var size = new FigureSize(7, 6, dpi: 96); // one image pixel per SVG unit
        var grid = _exporter.RenderPngWithLayout(figure, size).DataArea;
        var doc = XDocument.Parse(_exporter.RenderSvg(figure, size));
        var texts = doc.Descendants(Svg + "text").Select(t => (Text: t.Value.Trim(), Transform: (string?)t.Attribute("transform") ?? "")).ToList();
        var numbers = texts.Where(t => double.TryParse(t.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)).ToList();
        Assert.True(numbers.Count >= 4 * figure.Variables.Count, $"only {numbers.Count} tick labels");
        var (left, below) = (0, 0);
        foreach (var (text, transform) in numbers)
        {
            Assert.StartsWith("translate(", transform);
            var xy = transform["translate(".Length..^1].Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            if (xy[0] < grid.Left) left++;
            else if (xy[1] > grid.Bottom) below++;
            else Assert.Fail($"tick label '{text}' at ({xy[0]}, {xy[1]}) is inside the grid {grid}");
        }
        Assert.True(left > 0 && below > 0, $"{left} tick labels left of the grid, {below} below it");
        // Each name three times: its row's axis label (rotated), its column's axis label and its diagonal panel.
        var short3 = new ScatterMatrixFigure("t", ["alpha", "beta", "gamma"], figure.Points);
        var names = XDocument.Parse(_exporter.RenderSvg(short3, size)).Descendants(Svg + "text").Select(t => t.Value.Trim()).ToList();
        foreach (var name in short3.Variables)
            Assert.Equal(3, names.Count(n => n == name));
    }

    [Fact]
    public void Interval_whiskers_span_lower_to_upper_in_the_category_colour_with_series_side_by_side()
    {
        var figure = SyntheticQualityFigures.WinRates();
        var rendered = _exporter.RenderPngWithLayout(figure, FigureSize.DoubleColumn);
        var png = PngFile.Read(rendered.Png);
        // Conditions in the palette's order, not the order given.
        string[] order = ["padding", "spaces", "novice", "expert", "guru"];
        var count = figure.Series.Count;
        for (var position = 0; position < order.Length; position++)
        {
            var c = figure.Categories.ToList().IndexOf(order[position]);
            var colour = Rgb(ConditionPalette.Default.ColorOf(order[position]));
            for (var s = 0; s < count; s++)
            {
                var x = position + FigureExporter.IntervalOffset(s, count);
                if (figure.Series[s].Points[c] is not { } point)
                {
                    // Nothing drawn where the series has no estimate.
                    var column = rendered.PixelOf(x, 0).X;
                    var none = Enumerable.Range((int)rendered.DataArea.Top, (int)(rendered.DataArea.Bottom - rendered.DataArea.Top)).Count(row => png.PixelAt(column, row) == colour);
                    Assert.True(none == 0, $"{order[position]}/{figure.Series[s].Name} has no point but {none} pixels of its colour");
                    continue;
                }
                var (px, top) = rendered.PixelOf(x, point.Upper);
                var bottom = rendered.PixelOf(x, point.Lower).Y;
                var centre = rendered.PixelOf(x, point.Estimate).Y;
                var open = FigureExporter.SeriesMarker(s).Open;
                for (var row = (int)Math.Ceiling(top + 3); row <= bottom - 3; row++)
                {
                    if (open && Math.Abs(row - centre) < 14) continue; // the open marker's white inside
                    Assert.True(png.PixelAt(px, row) == colour, $"{order[position]}/{figure.Series[s].Name}: row {row} of the whisker ({top:F0}..{bottom:F0}) is {png.PixelAt(px, row)}");
                }
                Assert.NotEqual(colour, png.PixelAt(px, top - 8));
                Assert.NotEqual(colour, png.PixelAt(px, bottom + 8));
                // Filled for the first series, open (white inside) for the second.
                Assert.Equal(open ? White : colour, png.PixelAt(px, centre));
            }
        }
        Assert.Equal((false, true), (FigureExporter.SeriesMarker(0).Open, FigureExporter.SeriesMarker(1).Open));
    }

    [Fact]
    public void The_interval_reference_line_is_dashed_across_the_data_area()
    {
        var figure = SyntheticQualityFigures.WinRates();
        var rendered = _exporter.RenderPngWithLayout(figure, FigureSize.DoubleColumn);
        var png = PngFile.Read(rendered.Png);
        var row = rendered.PixelOf(0, 50).Y;
        var (left, right) = ((int)rendered.DataArea.Left + 2, (int)rendered.DataArea.Right - 2);
        var grey = Enumerable.Range(left, right - left).Count(x => png.PixelAt(x, row) == ((byte)0x66, (byte)0x66, (byte)0x66));
        var share = grey / (double)(right - left);
        Assert.True(share > 0.25 && share < 0.85, $"{share:P0} of the row at 50% is the reference grey; a dashed line covers part of it");
        // No line without a reference.
        var plain = new IntervalSeriesFigure("t", figure.Categories, figure.Series, figure.ValueLabel);
        var without = _exporter.RenderPngWithLayout(plain, FigureSize.DoubleColumn);
        var plainPng = PngFile.Read(without.Png);
        var plainRow = without.PixelOf(0, 50).Y;
        Assert.Equal(0, Enumerable.Range(left, right - left).Count(x => plainPng.PixelAt(x, plainRow) == ((byte)0x66, (byte)0x66, (byte)0x66)));
    }

    [Fact]
    public void The_ladder_puts_the_highest_estimate_on_top_with_a_horizontal_whisker()
    {
        var figure = SyntheticQualityFigures.Strengths();
        Assert.Equal(["guru", "expert", "spaces", "standard", "padding", "novice"], figure.Items.Select(i => i.Label));
        var rendered = _exporter.RenderPngWithLayout(figure, FigureSize.SingleColumn);
        var png = PngFile.Read(rendered.Png);
        var n = figure.Items.Count;
        var (highest, lowest) = (figure.Items[0], figure.Items[^1]);
        var top = rendered.PixelOf(highest.Estimate, FigureExporter.LadderPosition(0, n));
        var bottom = rendered.PixelOf(lowest.Estimate, FigureExporter.LadderPosition(n - 1, n));
        Assert.True(top.Y < bottom.Y - 100, $"highest at row {top.Y:F0}, lowest at {bottom.Y:F0}");
        Assert.Equal(Rgb(ConditionPalette.Default.ColorOf(highest.Condition!)), png.PixelAt(top.X, top.Y));
        Assert.Equal(Rgb(ConditionPalette.Default.ColorOf(lowest.Condition!)), png.PixelAt(bottom.X, bottom.Y));

        // The lowest item's whisker, left and right of its marker, from lower to upper.
        var colour = Rgb(ConditionPalette.Default.ColorOf(lowest.Condition!));
        var from = rendered.PixelOf(lowest.Lower, 0).X;
        var to = rendered.PixelOf(lowest.Upper, 0).X;
        for (var x = (int)Math.Ceiling(from + 3); x <= to - 3; x++)
            Assert.True(png.PixelAt(x, bottom.Y) == colour, $"column {x} of the whisker ({from:F0}..{to:F0}) is {png.PixelAt(x, bottom.Y)}");
        Assert.NotEqual(colour, png.PixelAt(from - 8, bottom.Y));
        Assert.NotEqual(colour, png.PixelAt(to + 8, bottom.Y));
    }

    [Fact]
    public void Ladder_svg_lists_the_labels_from_highest_to_lowest_and_a_legend_only_when_labels_are_not_conditions()
    {
        var figure = SyntheticQualityFigures.Strengths();
        var doc = XDocument.Parse(_exporter.RenderSvg(figure, FigureSize.SingleColumn));
        var rows = doc.Descendants(Svg + "text")
            .Where(t => figure.Items.Any(i => i.Label == t.Value.Trim()))
            .Select(t => (Label: t.Value.Trim(), Y: double.Parse(((string)t.Attribute("transform")!).Split(' ')[1].TrimEnd(')'), CultureInfo.InvariantCulture)))
            .ToList();
        // Labels name their conditions, so no legend repeats them: each label appears once.
        Assert.Equal(figure.Items.Select(i => i.Label), rows.OrderBy(r => r.Y).Select(r => r.Label));

        var models = new LadderFigure("t", [
            new LadderItem("novice · model A", 0.2, 0.1, 0.3, "novice"),
            new LadderItem("novice · model B", 0.4, 0.3, 0.5, "novice"),
            new LadderItem("expert · model A", -0.1, -0.2, 0.0, "expert"),
            new LadderItem("unconditioned", 0.0, -0.1, 0.1),
        ], "Strength");
        var texts = XDocument.Parse(_exporter.RenderSvg(models, FigureSize.SingleColumn)).Descendants(Svg + "text").Select(t => t.Value.Trim()).ToList();
        Assert.Contains("novice", texts);
        Assert.Contains("expert", texts);
        Assert.Contains("unconditioned", texts);
        Assert.Contains("Strength", texts);
    }

    private static (byte, byte, byte) At(PngFile png, (double X, double Y) pixel) => png.PixelAt(pixel.X, pixel.Y);

    private static double Width(FigureExporter.RenderedPanel p) => p.DataArea.Right - p.DataArea.Left;
    private static double Height(FigureExporter.RenderedPanel p) => p.DataArea.Bottom - p.DataArea.Top;

    private static (int Left, int Top, int Right, int Bottom) Box(FigureExporter.RenderedPanel p) =>
        ((int)Math.Ceiling(p.DataArea.Left), (int)Math.Ceiling(p.DataArea.Top), (int)p.DataArea.Right, (int)p.DataArea.Bottom);

    private static int CountColour(PngFile png, (byte, byte, byte) colour, (int Left, int Top, int Right, int Bottom) box)
    {
        var count = 0;
        for (var y = Math.Max(0, box.Top); y < Math.Min(png.Height, box.Bottom); y++)
            for (var x = Math.Max(0, box.Left); x < Math.Min(png.Width, box.Right); x++)
                if (png.PixelAt(x, y) == colour) count++;
        return count;
    }

    private static (byte, byte, byte) Rgb(RgbColor c) => (c.R, c.G, c.B);
}
