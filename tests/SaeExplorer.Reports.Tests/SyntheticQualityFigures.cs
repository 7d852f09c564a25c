using SaeExplorer.Reports.Figures;

namespace SaeExplorer.Reports.Tests;

/// <summary>Small, fixed data for the quality-triangle figures: a 3-variable matrix, win rates, a strength ladder.</summary>
internal static class SyntheticQualityFigures
{
    /// <summary>Prompt features, answer length and judged quality per condition; every 7th score missing (NaN).</summary>
    public static ScatterMatrixFigure Triangle(int variables = 3)
    {
        var random = new Random(5);
        string[] names = ["Active features (prompt)", "Answer tokens", "Pointwise score", "Feature 31337", "Refusal rate"];
        var conditions = ConditionPalette.SeedConditions;
        var points = new List<MatrixPoint>();
        for (var c = 0; c < conditions.Count; c++)
        {
            for (var i = 0; i < 20; i++)
            {
                var features = 100 + 10 * c + 8 * Gaussian(random);
                var tokens = 150 + 4 * features + 60 * Gaussian(random);
                var score = i % 7 == 3 ? double.NaN : Math.Clamp(3 + 0.004 * tokens + 0.8 * Gaussian(random), 1, 10);
                double[] all = [features, tokens, score, 2 + Gaussian(random), 0.1 * c + 0.05 * Gaussian(random)];
                points.Add(new MatrixPoint(all[..variables], conditions[c]));
            }
        }
        return new ScatterMatrixFigure("The quality triangle (baseline answers)", names[..variables], points);
    }

    /// <summary>Raw and length-controlled win rates against "standard", categories given out of palette order.</summary>
    public static IntervalSeriesFigure WinRates() => new(
        "Win rate vs standard",
        ["guru", "novice", "expert", "padding", "spaces"],
        [
            new IntervalSeries("raw", [new(71, 64, 78), new(38, 31, 45), new(62, 55, 69), new(47, 40, 54), new(49, 42, 56)]),
            new IntervalSeries("length-controlled", [new(58, 50, 66), new(44, 36, 52), new(55, 47, 63), null, new(50, 42, 58)]),
        ],
        "Win rate (%)",
        referenceLine: 50);

    /// <summary>Style-controlled Bradley–Terry strengths, given unsorted, the reference at 0.</summary>
    public static LadderFigure Strengths() => new(
        "Bradley–Terry strength (standard = 0)",
        [
            new LadderItem("novice", -0.42, -0.61, -0.22, "novice"),
            new LadderItem("guru", 0.55, 0.31, 0.80, "guru"),
            new LadderItem("standard", 0, 0, 0, "standard"),
            new LadderItem("expert", 0.31, 0.12, 0.50, "expert"),
            new LadderItem("padding", -0.05, -0.24, 0.13, "padding"),
            new LadderItem("spaces", 0.02, -0.17, 0.21, "spaces"),
        ],
        "Log-odds of winning",
        referenceLine: 0);

    private static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
