using System.Buffers.Binary;
using SaeExplorer.Reports.Figures;

namespace SaeExplorer.Reports.Tests;

public sealed class FigurePngTests
{
    private readonly FigureExporter _exporter = new();

    public static TheoryData<string, double, double, int> KindsAndSizes()
    {
        var data = new TheoryData<string, double, double, int>();
        foreach (var kind in new[] { "scatter", "feature", "comparison" })
        {
            data.Add(kind, 3.5, 2.8, 300);
            data.Add(kind, 7.0, 3.6, 300);
            data.Add(kind, 5.0, 3.0, 600);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(KindsAndSizes))]
    public void Png_is_inches_times_dpi_with_the_dpi_in_pHYs(string kind, double widthInches, double heightInches, int dpi)
    {
        var size = new FigureSize(widthInches, heightInches, dpi);
        var png = PngFile.Read(_exporter.RenderPng(Figure(kind), size));

        Assert.Equal((int)Math.Round(widthInches * dpi), png.Width);
        Assert.Equal((int)Math.Round(heightInches * dpi), png.Height);
        Assert.Equal(png.Width, png.Pixels.Width);
        Assert.Equal(png.Height, png.Pixels.Height);

        var phys = png.Chunk("pHYs");
        Assert.Equal(9, phys.Length);
        var expected = (uint)Math.Round(dpi / 0.0254);
        Assert.Equal(expected, BinaryPrimitives.ReadUInt32BigEndian(phys));
        Assert.Equal(expected, BinaryPrimitives.ReadUInt32BigEndian(phys.AsSpan(4)));
        Assert.Equal(1, phys[8]);
        // PNG requires pHYs before the image data.
        Assert.True(png.IndexOf("pHYs") < png.IndexOf("IDAT"));
    }

    [Fact]
    public void Three_hundred_dpi_is_11811_pixels_per_metre()
    {
        var png = PngFile.Read(_exporter.RenderPng(SyntheticFigures.Comparison(), FigureSize.SingleColumn));
        Assert.Equal(11811u, BinaryPrimitives.ReadUInt32BigEndian(png.Chunk("pHYs")));
        Assert.Equal((1050, 840), (png.Width, png.Height));
    }

    [Fact]
    public void A_scatter_point_is_drawn_in_its_conditions_palette_colour()
    {
        var figure = new ConditionScatterFigure("two points", [new ScatterPoint(0, 0, "novice"), new ScatterPoint(10, 5, "expert")]);
        var rendered = _exporter.RenderPngWithLayout(figure, FigureSize.SingleColumn);
        var png = PngFile.Read(rendered.Png);

        var (nx, ny) = rendered.PixelOf(0, 0);
        var (ex, ey) = rendered.PixelOf(10, 5);
        Assert.Equal(Rgb(ConditionPalette.OkabeIto.Vermillion), png.PixelAt(nx, ny));
        Assert.Equal(Rgb(ConditionPalette.OkabeIto.ReddishPurple), png.PixelAt(ex, ey));
        Assert.Equal(Rgb(ConditionPalette.Default.ColorOf("novice")), png.PixelAt(nx, ny));
        // Away from the markers the data area is white.
        var (mx, my) = rendered.PixelOf(5, 2.5);
        Assert.Equal(((byte)255, (byte)255, (byte)255), png.PixelAt(mx, my));
    }

    [Fact]
    public void The_scatter_legend_shows_every_condition_beside_the_data_area()
    {
        var figure = SyntheticFigures.Umap();
        var rendered = _exporter.RenderPngWithLayout(figure, FigureSize.DoubleColumn);
        var png = PngFile.Read(rendered.Png);
        foreach (var condition in ConditionPalette.SeedConditions)
        {
            var colour = Rgb(ConditionPalette.Default.ColorOf(condition));
            var count = 0;
            for (var y = 0; y < png.Height; y++)
                for (var x = (int)rendered.DataArea.Right + 1; x < png.Width; x++)
                    if (png.PixelAt(x, y) == colour) count++;
            // The legend symbol: a 4 pt marker is ~17 px across at 300 dpi; an open circle's ring is fewer pixels.
            Assert.True(count >= 20, $"legend symbol of '{condition}' has {count} pixels of {colour}");
        }
    }

    [Fact]
    public void Bars_are_filled_with_the_palette_colour_and_carry_black_error_bars()
    {
        var figure = SyntheticFigures.Comparison();
        var rendered = _exporter.RenderPngWithLayout(figure, FigureSize.DoubleColumn);
        var png = PngFile.Read(rendered.Png);
        for (var i = 0; i < figure.Estimates.Count; i++)
        {
            var e = figure.Estimates[i];
            var inside = rendered.PixelOf(i + 0.2, e.Mean / 2);
            Assert.Equal(Rgb(ConditionPalette.Default.ColorOf(e.Condition)), png.PixelAt(inside.X, inside.Y));
            // Halfway up the upper whisker, above the bar's top, the error bar is black.
            var whisker = rendered.PixelOf(i, (e.Mean + e.Upper) / 2);
            var (r, g, b) = png.PixelAt(whisker.X, whisker.Y);
            Assert.True(r < 40 && g < 40 && b < 40, $"whisker of {e.Condition} is ({r},{g},{b})");
            // Beside the whisker, above the bar, is background.
            var beside = rendered.PixelOf(i + 0.3, e.Upper);
            Assert.Equal(((byte)255, (byte)255, (byte)255), png.PixelAt(beside.X, beside.Y));
        }
    }

    [Fact]
    public void Text_is_drawn_without_any_installed_font()
    {
        // The embedded font is the only one the exporter asks for; if it failed to load, ScottPlot would draw no glyphs.
        var withTitle = PngFile.Read(_exporter.RenderPng(new ConditionComparisonFigure("Active features", SyntheticFigures.Comparison().Estimates), FigureSize.SingleColumn));
        var dark = 0;
        var band = (int)(withTitle.Height * 0.08);
        for (var y = 0; y < band; y++)
            for (var x = 0; x < withTitle.Width; x++)
            {
                var (r, g, b) = withTitle.PixelAt(x, y);
                if (r + g + b < 200) dark++;
            }
        Assert.True(dark > 500, $"only {dark} dark pixels in the title band");
    }

    [Fact]
    public void The_same_figure_renders_to_the_same_bytes()
    {
        foreach (var kind in new[] { "scatter", "feature", "comparison" })
        {
            var a = _exporter.RenderPng(Figure(kind), FigureSize.SingleColumn);
            var b = new FigureExporter().RenderPng(Figure(kind), FigureSize.SingleColumn);
            Assert.Equal(a, b);
        }
    }

    [Fact]
    public void Figures_render_in_parallel_like_one_at_a_time()
    {
        var expected = _exporter.RenderPng(SyntheticFigures.Umap(), FigureSize.SingleColumn);
        var results = new byte[4][];
        Parallel.For(0, results.Length, i => results[i] = new FigureExporter().RenderPng(SyntheticFigures.Umap(), FigureSize.SingleColumn));
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void Save_picks_the_format_from_the_extension()
    {
        var dir = Directory.CreateTempSubdirectory("saex-fig-").FullName;
        try
        {
            var paths = _exporter.SavePngAndSvg(SyntheticFigures.Comparison(), Path.Combine(dir, "nested", "bars"), FigureSize.SingleColumn);
            Assert.Equal([Path.Combine(dir, "nested", "bars.png"), Path.Combine(dir, "nested", "bars.svg")], paths);
            Assert.Equal(1050, PngFile.Read(File.ReadAllBytes(paths[0])).Width);
            Assert.StartsWith("<svg", File.ReadAllText(paths[1]));
            Assert.Throws<ArgumentException>(() => _exporter.Save(SyntheticFigures.Comparison(), Path.Combine(dir, "bars.pdf"), FigureSize.SingleColumn));
            Assert.Equal(["bars.png", "bars.svg"], Directory.GetFiles(Path.Combine(dir, "nested")).Select(Path.GetFileName).Order());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    internal static Figure Figure(string kind) => kind switch
    {
        "scatter" => SyntheticFigures.Umap(),
        "feature" => SyntheticFigures.Feature(),
        "comparison" => SyntheticFigures.Comparison(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static (byte, byte, byte) Rgb(RgbColor c) => (c.R, c.G, c.B);
}
