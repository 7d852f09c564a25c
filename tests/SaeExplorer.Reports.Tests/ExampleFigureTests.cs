using System.Buffers.Binary;
using System.Globalization;
using System.Xml.Linq;
using SaeExplorer.Reports.Figures;

namespace SaeExplorer.Reports.Tests;

/// <summary>
/// Renders every figure kind from synthetic data, as <c>docs/figures-examples/</c> shows them, and checks what a
/// journal checks: the printed size, the resolution, and that a bar is as tall as its value. Set
/// SAEX_FIGURE_EXAMPLES_DIR to a folder to write them there (that is how the committed examples are made).
/// </summary>
public sealed class ExampleFigureTests
{
    [Fact]
    public void Every_figure_kind_renders_at_its_printed_size_and_300_dpi_in_png_and_svg()
    {
        var dir = Environment.GetEnvironmentVariable("SAEX_FIGURE_EXAMPLES_DIR")
            ?? Path.Combine(Path.GetTempPath(), "saex-figures-" + Guid.NewGuid().ToString("N"));
        var exporter = new FigureExporter();
        (Figure Figure, string Name, FigureSize Size)[] examples =
        [
            (SyntheticFigures.Umap("UMAP of residual activations"), "umap_activations", FigureSize.SingleColumn),
            (SyntheticFigures.Umap(), "umap_features", FigureSize.DoubleColumn),
            (SyntheticFigures.Feature(), "feature_strip", FigureSize.DoubleColumn),
            (SyntheticFigures.Comparison(), "condition_comparison", FigureSize.SingleColumn),
        ];
        foreach (var (figure, name, size) in examples)
        {
            var written = exporter.SavePngAndSvg(figure, Path.Combine(dir, name), size);
            Assert.Equal([Path.Combine(dir, name + ".png"), Path.Combine(dir, name + ".svg")], written);

            var png = PngFile.Read(File.ReadAllBytes(written[0]));
            Assert.Equal((size.WidthPixels, size.HeightPixels), (png.Width, png.Height));
            // 300 dpi is 11,811 pixels per metre on both axes, unit metre.
            var phys = png.Chunk("pHYs");
            Assert.Equal((11811u, 11811u, (byte)1), (BinaryPrimitives.ReadUInt32BigEndian(phys), BinaryPrimitives.ReadUInt32BigEndian(phys.AsSpan(4)), phys[8]));
            // Not a blank canvas: a real figure has well over a hundred colours (antialiased text, markers, bars).
            Assert.True(png.Pixels.Pixels.Select(p => (uint)p).Distinct().Count() > 100, $"{name}.png looks empty");

            var svg = XDocument.Load(written[1]).Root!;
            Assert.Equal(size.WidthInches.ToString(CultureInfo.InvariantCulture) + "in", (string?)svg.Attribute("width"));
            Assert.Equal(size.HeightInches.ToString(CultureInfo.InvariantCulture) + "in", (string?)svg.Attribute("height"));
        }
    }

    [Fact]
    public void Each_bar_is_as_tall_as_its_value()
    {
        var figure = SyntheticFigures.Comparison();
        var rendered = new FigureExporter().RenderPngWithLayout(figure, FigureSize.SingleColumn);
        var png = PngFile.Read(rendered.Png);
        var heights = new List<double>();
        for (var i = 0; i < figure.Estimates.Count; i++)
        {
            var e = figure.Estimates[i];
            // Up a column inside the bar, beside the whisker, from the axis through the fill, then through the bar's
            // black outline (an antialiased row may blend the two), which is centred on the bar's top edge.
            var (x, baselineY) = rendered.PixelOf(i + 0.2, 0);
            int column = (int)Math.Round(x), baseline = (int)Math.Round(baselineY);
            (byte, byte, byte) At(int row) => png.PixelAt(column, row);
            static bool Dark((byte R, byte G, byte B) p) => Math.Max(p.R, Math.Max(p.G, p.B)) < 128;
            var fill = At(baseline - 3);
            int row = baseline - 3;
            while (row > 0 && At(row - 1) == fill)
                row--;
            row--;
            while (row > 0 && !Dark(At(row)) && At(row) != ((byte)255, (byte)255, (byte)255))
                row--;
            int outlineBottom = row;
            while (row > 0 && Dark(At(row - 1)))
                row--;
            Assert.True(Dark(At(outlineBottom)), $"{e.Condition}: no outline above the fill");
            double edge = (row + outlineBottom) / 2.0;
            double top = rendered.PixelOf(i + 0.2, e.Mean).Y;
            Assert.True(Math.Abs(edge - top) <= 1, $"{e.Condition}: the bar's edge is at row {edge:F1}, its mean {e.Mean} maps to {top:F1}");
            heights.Add((baselineY - edge) / e.Mean);
        }
        // One scale for every bar: pixels per unit agree within 2%.
        Assert.True(heights.Max() / heights.Min() < 1.02, $"pixels per unit: {string.Join(", ", heights.Select(h => h.ToString("F3")))}");
    }
}
