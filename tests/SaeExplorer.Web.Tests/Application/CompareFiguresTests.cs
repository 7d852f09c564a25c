using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Analysis.Statistics;
using SaeExplorer.Reports.Tables;
using SaeExplorer.Web.Application.Compare;

namespace SaeExplorer.Web.Tests.Application;

public sealed class CompareFiguresTests
{
    private static FeatureContrast Latent(int feature, double log2OddsRatio, double fisherQ) =>
        new(feature, 1, 1, 0.5, 0.5, 0, log2OddsRatio, fisherQ, fisherQ, 1, 1, 0, 1, 1, 0, 0, 1, 1, MannWhitneyMethod.Auto, 0, null, SeparatedSide.None, SeparatedSide.None);

    internal static ContrastStatisticsReport Report(string a, string? b, int promptsA, int promptsB, params FeatureContrast[] latents)
    {
        static ContrastSide Side(string name, int prompts) =>
            new(name, prompts, new ConfidenceInterval(1, 1, 1, 0.95, 2000, 0), 1, 1, 1, 0);
        var contrast = new Contrast(a, b);
        return new ContrastStatisticsReport(contrast, new ContrastStatisticsOptions(), Side(a, promptsA), Side(contrast.BName, promptsB), 4096, latents.Length, null, latents);
    }

    [Fact]
    public void Volcano_heights_are_minus_log10_q_and_groups_follow_the_threshold_and_the_sign()
    {
        var report = Report("novice", "expert", 50, 50,
            Latent(7, 3.5, 1e-6), Latent(9, -2, 0.01), Latent(11, 4, 0.2), Latent(13, 0, 0.001), Latent(15, 1, 1));
        var labels = new Dictionary<int, string> { [9] = "<i>expert</i> talk" };

        var volcano = CompareFigures.Volcano(report, labels, 0.05);

        Assert.Equal([7, 9, 11, 13, 15], volcano.Points.Select(p => p.Feature));
        Assert.Equal([3.5, -2, 4, 0, 1], volcano.Points.Select(p => p.Log2OddsRatio));
        Assert.Equal([6, 2, 0.69897, 3, 0], volcano.Points.Select(p => Math.Round(p.Height, 5)));
        // Significant and more active in A: A's group; in B: B's; above the threshold or no effect: not significant.
        Assert.Equal(["novice", "expert", "n.s.", "n.s.", "n.s."], volcano.Points.Select(p => p.Group));
        Assert.Null(volcano.Cap);
        Assert.Equal(0, volcano.CappedCount);
        Assert.Equal("<i>expert</i> talk", volcano.Points[1].Label);
        Assert.Equal("<b>Feature 9</b> · &lt;i&gt;expert&lt;/i&gt; talk<br>log₂ OR -2.00 · Fisher q 0.01", CompareFigures.VolcanoHover(volcano.Points[1]));
        Assert.Equal("<b>Feature 7</b><br>log₂ OR 3.50 · Fisher q 1E-06", CompareFigures.VolcanoHover(volcano.Points[0]));
    }

    [Fact]
    public void A_q_of_zero_is_drawn_at_the_highest_finite_height_and_says_so()
    {
        var report = Report("novice", null, 50, 250, Latent(1, 6, 0), Latent(2, 5, 1e-12), Latent(3, -1, 0.5));

        var volcano = CompareFigures.Volcano(report, new Dictionary<int, string>(), 0.05);

        Assert.Equal(12, volcano.Cap!.Value, 9);
        Assert.Equal(12, volcano.Points[0].Height, 9);
        Assert.True(volcano.Points[0].Capped);
        Assert.False(volcano.Points[1].Capped);
        Assert.Equal(1, volcano.CappedCount);
        Assert.All(volcano.Points, p => Assert.True(double.IsFinite(p.Height)));
        Assert.Equal("rest", volcano.B);
        Assert.Equal(["novice", "novice", "n.s."], volcano.Points.Select(p => p.Group));
        Assert.Equal("<b>Feature 1</b><br>log₂ OR 6.00 · Fisher q = 0 (below double precision; drawn at the top)", CompareFigures.VolcanoHover(volcano.Points[0]));
    }

    [Fact]
    public void When_every_q_is_zero_the_cap_is_the_smallest_positive_double()
    {
        var volcano = CompareFigures.Volcano(Report("a", "b", 50, 50, Latent(1, 6, 0), Latent(2, -6, 0)), new Dictionary<int, string>(), 0.05);

        Assert.Equal(-Math.Log10(double.Epsilon), volcano.Cap!.Value);
        Assert.Equal(323.306, volcano.Points[1].Height, 3);
        Assert.Equal(["a", "b"], volcano.Points.Select(p => p.Group));
    }

    [Fact]
    public void The_volcano_exports_the_points_drawn_as_a_figure_and_a_table()
    {
        var volcano = CompareFigures.Volcano(Report("novice", "expert", 50, 50, Latent(4, 2.5, 0), Latent(5, -1.25, 0.001)), new Dictionary<int, string> { [5] = "x" }, 0.05);

        var figure = CompareFigures.VolcanoFigure(volcano, "title");
        var csv = TableExporter.ToCsv(CompareFigures.VolcanoTable(volcano)).Split("\r\n");

        Assert.Equal([(2.5, 3.0, "novice"), (-1.25, 3.0, "expert")], figure.Points.Select(p => (p.X, Math.Round(p.Y, 9), p.Condition)));
        Assert.Equal("log₂ odds ratio of being active (novice over expert)", figure.XLabel);
        Assert.True(figure.ShowTickLabels);
        Assert.Equal("feature,label,log2_odds_ratio,fisher_q,neg_log10_fisher_q,q_zero_drawn_at_cap,group", csv[0]);
        Assert.StartsWith("4,,2.5,0,3,true,novice", csv[1]);
        Assert.StartsWith("5,x,-1.25,0.001,3,false,expert", csv[2]);
    }

    [Theory]
    [InlineData(9, 50, new[] { "novice" })]
    [InlineData(10, 3, new[] { "rest" })]
    [InlineData(1, 2, new[] { "novice", "rest" })]
    [InlineData(10, 10, new string[0])]
    public void Sides_with_fewer_than_ten_prompts_are_the_few_prompts_sides(int promptsA, int promptsB, string[] expected)
    {
        var sides = FewPrompts.Sides(Report("novice", null, promptsA, promptsB));

        Assert.Equal(10, FewPrompts.Threshold);
        Assert.Equal(expected, sides.Select(s => s.Name));
    }
}
