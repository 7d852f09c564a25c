using SaeExplorer.Reports.Figures;

namespace SaeExplorer.Reports.Tests;

/// <summary>
/// Renders every figure kind from synthetic data, as <c>docs/figures-examples/</c> shows them. Set
/// SAEX_FIGURE_EXAMPLES_DIR to a folder to write them there (that is how the committed examples are made).
/// </summary>
public sealed class ExampleFigureTests
{
    [Fact]
    public void Every_figure_kind_renders_to_png_and_svg()
    {
        var dir = Environment.GetEnvironmentVariable("SAEX_FIGURE_EXAMPLES_DIR")
            ?? Path.Combine(Path.GetTempPath(), "saex-figures-" + Guid.NewGuid().ToString("N"));
        var exporter = new FigureExporter();
        var written = new List<string>();
        written.AddRange(exporter.SavePngAndSvg(SyntheticFigures.Umap("UMAP of residual activations"), Path.Combine(dir, "umap_activations"), FigureSize.SingleColumn));
        written.AddRange(exporter.SavePngAndSvg(SyntheticFigures.Umap(), Path.Combine(dir, "umap_features"), FigureSize.DoubleColumn));
        written.AddRange(exporter.SavePngAndSvg(SyntheticFigures.Feature(), Path.Combine(dir, "feature_strip"), FigureSize.DoubleColumn));
        written.AddRange(exporter.SavePngAndSvg(SyntheticFigures.Comparison(), Path.Combine(dir, "condition_comparison"), FigureSize.SingleColumn));
        foreach (var path in written)
            Assert.True(new FileInfo(path).Length > 1000, path);
        Assert.Equal(8, written.Distinct().Count());
    }
}
