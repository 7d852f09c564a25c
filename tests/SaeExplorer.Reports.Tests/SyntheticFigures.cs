using SaeExplorer.Reports.Figures;

namespace SaeExplorer.Reports.Tests;

/// <summary>Small, fixed data for every figure kind: clusters per condition, a sparse feature, CI bars.</summary>
internal static class SyntheticFigures
{
    public static ConditionScatterFigure Umap(string title = "UMAP of SAE features (layer 50)")
    {
        var random = new Random(7);
        var points = new List<ScatterPoint>();
        var conditions = ConditionPalette.SeedConditions;
        for (var c = 0; c < conditions.Count; c++)
        {
            var angle = 2 * Math.PI * c / conditions.Count;
            var (cx, cy) = (4 * Math.Cos(angle), 4 * Math.Sin(angle));
            for (var i = 0; i < 50; i++)
                points.Add(new ScatterPoint(cx + Gaussian(random), cy + Gaussian(random), conditions[c]));
        }
        return new ConditionScatterFigure(title, points);
    }

    public static FeatureActivationFigure Feature()
    {
        var random = new Random(11);
        double[] activeShare = [0.1, 0.2, 0.3, 0.62, 0.9, 1.0];
        double[] strength = [1.0, 1.5, 1.2, 2.5, 4.0, 5.0];
        var conditions = ConditionPalette.SeedConditions.Select((name, c) => new ConditionValues(
            name,
            Enumerable.Range(0, 50).Select(i => i < activeShare[c] * 50 ? strength[c] * Math.Exp(0.3 * Gaussian(random)) : 0.0).ToArray()));
        return new FeatureActivationFigure("Feature 31337: \"expert jargon\"", conditions.ToArray());
    }

    public static ConditionComparisonFigure Comparison() => new(
        "Active SAE features per prompt",
        [
            new ConditionEstimate("standard", 121.4, 117.9, 125.0),
            new ConditionEstimate("padding", 98.2, 93.5, 103.1),
            new ConditionEstimate("spaces", 104.7, 99.8, 109.9),
            new ConditionEstimate("novice", 131.0, 126.2, 135.6),
            new ConditionEstimate("expert", 142.3, 136.4, 148.8),
            new ConditionEstimate("guru", 150.9, 143.0, 158.1),
        ]);

    private static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
