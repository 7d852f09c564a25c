using SaeExplorer.Runs.Generation;
using SaeExplorer.Runs.Judging;

namespace SaeExplorer.Reports.Figures;

/// <summary>
/// The quality analysis's figures, PNG (300 dpi) and SVG: the triangle as a scatter matrix of the baseline answers
/// coloured by condition (prompt features, answer features per token, answer length, judged score), each condition's
/// win rate against the reference raw and length-controlled with intervals, and the Bradley–Terry ladder
/// (style-controlled strengths).
/// </summary>
public static class QualityFigureFiles
{
    /// <returns>the files written</returns>
    public static IReadOnlyList<string> Write(QualityAnalysisResult result, string directory, FigureExporter? exporter = null)
    {
        exporter ??= new FigureExporter();
        var files = new List<string>();
        var baseline = result.Rows.Where(r => r.Answer.Arm == RunAnswerSet.BaselineArm).ToList();

        // A missing score or feature count is NaN: the point leaves only the panels that need it.
        var points = baseline.Select(r => new MatrixPoint(
            [r.PromptActiveFeatures, r.AnswerMeanActivePerToken, r.LengthTokens, r.Score ?? double.NaN], r.Condition)).ToList();
        if (points.Count > 0)
            files.AddRange(exporter.SavePngAndSvg(new ScatterMatrixFigure("Features, length and judged quality",
                ["Prompt features", "Answer features / token", "Answer tokens", "Score"], points), Path.Combine(directory, "triangle_matrix"), FigureSize.DoubleColumn));

        var rates = result.Triangle.WinRates.ToDictionary(w => w.Condition, w => w.Result);
        var categories = result.Triangle.Conditions.Where(rates.ContainsKey).ToList();
        if (categories.Count > 0)
            files.AddRange(exporter.SavePngAndSvg(new IntervalSeriesFigure($"Win rate against {result.Reference}", categories,
            [
                new IntervalSeries("raw", [.. categories.Select(c => Point(rates[c].RawWinRate))]),
                new IntervalSeries("length-controlled", [.. categories.Select(c => Point(rates[c].LengthControlled))]),
            ], "Win rate (%)", referenceLine: 50), Path.Combine(directory, "quality_win_rates"), FigureSize.SingleColumn));

        var ladder = result.Triangle.Strengths.Where(s => Point(s.StyleControlled) is not null)
            .Select(s => new LadderItem(s.Condition, s.StyleControlled.Estimate, s.StyleControlled.Lower, s.StyleControlled.Upper, s.Condition)).ToList();
        if (ladder.Count > 0)
            files.AddRange(exporter.SavePngAndSvg(new LadderFigure($"Bradley–Terry strength, style-controlled ({result.Reference} = 0)", ladder, "Log-odds",
                referenceLine: 0), Path.Combine(directory, "quality_bradley_terry"), FigureSize.SingleColumn));
        return files;
    }

    /// <summary>An interval the figures can draw, or null (a statistic that could not be measured).</summary>
    private static IntervalPoint? Point(Core.Analysis.Statistics.ConfidenceInterval ci) =>
        double.IsFinite(ci.Estimate) && double.IsFinite(ci.Lower) && double.IsFinite(ci.Upper) && ci.Lower <= ci.Estimate && ci.Estimate <= ci.Upper
            ? new IntervalPoint(ci.Estimate, ci.Lower, ci.Upper)
            : null;
}
