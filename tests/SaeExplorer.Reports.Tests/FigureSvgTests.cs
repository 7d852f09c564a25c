using System.Xml.Linq;
using SaeExplorer.Reports.Figures;

namespace SaeExplorer.Reports.Tests;

public sealed class FigureSvgTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly FigureExporter _exporter = new();

    [Fact]
    public void Svg_is_xml_sized_in_inches()
    {
        var doc = XDocument.Parse(_exporter.RenderSvg(SyntheticFigures.Umap(), FigureSize.SingleColumn));
        var root = doc.Root!;
        Assert.Equal(Svg + "svg", root.Name);
        Assert.Equal("3.5in", (string?)root.Attribute("width"));
        Assert.Equal("2.8in", (string?)root.Attribute("height"));
        Assert.Equal("0 0 336 269", (string?)root.Attribute("viewBox"));
    }

    [Fact]
    public void Scatter_svg_has_the_title_the_legend_and_one_mark_per_point()
    {
        var figure = SyntheticFigures.Umap("UMAP & friends <features>");
        var doc = XDocument.Parse(_exporter.RenderSvg(figure, FigureSize.DoubleColumn));
        var texts = Texts(doc);
        Assert.Contains("UMAP & friends <features>", texts);
        Assert.Contains("UMAP 1", texts);
        Assert.Contains("UMAP 2", texts);
        foreach (var condition in ConditionPalette.SeedConditions)
        {
            Assert.Contains(condition, texts);
            // Each point is one shape in the condition's colour (filled, or stroked for the open circle); the legend adds one.
            var hex = ConditionPalette.Default.ColorOf(condition).ToHex();
            var marks = doc.Descendants().Count(e => (string?)e.Attribute("fill") == hex || (string?)e.Attribute("stroke") == hex);
            Assert.Equal(figure.Points.Count(p => p.Condition == condition) + 1, marks);
        }
    }

    [Fact]
    public void Feature_svg_labels_each_condition_with_its_share_of_active_prompts()
    {
        var figure = new FeatureActivationFigure("Feature 7", [
            new ConditionValues("novice", [0, 0, 1.5, 2.0]),
            new ConditionValues("expert", [3.0, 0, 0]),
            new ConditionValues("guru", [0, 0, 0]),
        ]);
        var texts = Texts(XDocument.Parse(_exporter.RenderSvg(figure, FigureSize.DoubleColumn)));
        Assert.Contains("Feature 7", texts);
        // Tick labels are two lines; Skia writes each line as its own text element.
        Assert.Contains("novice", texts);
        Assert.Contains("50%", texts);
        Assert.Contains("33%", texts);
        Assert.Contains("0%", texts);
        Assert.Contains("Activation", texts);
    }

    [Fact]
    public void Comparison_svg_has_one_bar_per_condition_and_the_axis_labels()
    {
        var figure = SyntheticFigures.Comparison();
        var doc = XDocument.Parse(_exporter.RenderSvg(figure, FigureSize.SingleColumn));
        var texts = Texts(doc);
        Assert.Contains("Active SAE features per prompt", texts);
        Assert.Contains("Mean active features (±95% CI)", texts);
        foreach (var e in figure.Estimates)
        {
            Assert.Contains(e.Condition, texts);
            var hex = ConditionPalette.Default.ColorOf(e.Condition).ToHex();
            Assert.Single(doc.Descendants(Svg + "rect"), r => (string?)r.Attribute("fill") == hex);
        }
    }

    [Fact]
    public void The_same_figure_gives_the_same_svg()
    {
        foreach (var kind in new[] { "scatter", "feature", "comparison" })
            Assert.Equal(_exporter.RenderSvg(FigurePngTests.Figure(kind), FigureSize.SingleColumn), new FigureExporter().RenderSvg(FigurePngTests.Figure(kind), FigureSize.SingleColumn));
    }

    [Fact]
    public void Every_clip_path_reference_points_at_a_clip_path_of_the_document()
    {
        var doc = XDocument.Parse(_exporter.RenderSvg(SyntheticFigures.Comparison(), FigureSize.SingleColumn));
        var ids = doc.Descendants(Svg + "clipPath").Select(c => (string?)c.Attribute("id")).ToHashSet();
        var references = doc.Descendants().Select(e => (string?)e.Attribute("clip-path")).OfType<string>().ToList();
        Assert.NotEmpty(references);
        Assert.All(references, r => Assert.Contains(r["url(#".Length..^1], ids));
    }

    private static List<string> Texts(XDocument doc) => doc.Descendants(Svg + "text").Select(t => t.Value.Trim()).ToList();
}
