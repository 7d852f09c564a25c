using SaeExplorer.Runs.Generation;
using SaeExplorer.Runs.Judging;

namespace SaeExplorer.Reports.Figures;

/// <summary>
/// The quality analysis's figures, PNG (300 dpi) and SVG: the three sides of the triangle as scatters coloured by
/// condition (prompt features ~ length, prompt features ~ quality, length ~ quality, on the baseline answers), the
/// length-controlled win rate of each condition against the reference with its interval, and the style-controlled
/// Bradley–Terry strengths.
/// </summary>
public static class QualityFigureFiles
{
    /// <returns>the files written</returns>
    public static IReadOnlyList<string> Write(QualityAnalysisResult result, string directory, FigureExporter? exporter = null)
    {
        exporter ??= new FigureExporter();
        var files = new List<string>();
        var baseline = result.Rows.Where(r => r.Answer.Arm == RunAnswerSet.BaselineArm).ToList();
        var scored = baseline.Where(r => r.Score is not null).ToList();

        void Scatter(string name, string title, IReadOnlyList<AnswerQualityRow> rows, Func<AnswerQualityRow, double> x, Func<AnswerQualityRow, double> y, string xLabel, string yLabel)
        {
            var points = rows.Select(r => new ScatterPoint(x(r), y(r), r.Condition)).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
            if (points.Count > 0)
                files.AddRange(exporter.SavePngAndSvg(new ConditionScatterFigure(title, points, xLabel, yLabel, showTickLabels: true), Path.Combine(directory, name), FigureSize.SingleColumn));
        }
        Scatter("triangle_features_length", "Prompt features and answer length", baseline, r => r.PromptActiveFeatures, r => r.LengthTokens, "Active features (prompt)", "Answer tokens");
        Scatter("triangle_features_quality", "Prompt features and judged quality", scored, r => r.PromptActiveFeatures, r => r.Score!.Value, "Active features (prompt)", "Pointwise score");
        Scatter("triangle_length_quality", "Answer length and judged quality", scored, r => r.LengthTokens, r => r.Score!.Value, "Answer tokens", "Pointwise score");

        var rates = result.Triangle.WinRates.Where(w => double.IsFinite(w.Result.LengthControlled.Lower) && double.IsFinite(w.Result.LengthControlled.Upper))
            .Select(w => new ConditionEstimate(w.Condition, w.Result.LengthControlled.Estimate, w.Result.LengthControlled.Lower, w.Result.LengthControlled.Upper)).ToList();
        if (rates.Count > 0)
            files.AddRange(exporter.SavePngAndSvg(new ConditionComparisonFigure($"Length-controlled win rate vs {result.Reference}", rates, "Win rate (%)"),
                Path.Combine(directory, "quality_lc_win_rate"), FigureSize.SingleColumn));

        var strengths = result.Triangle.Strengths.Where(s => double.IsFinite(s.StyleControlled.Lower) && double.IsFinite(s.StyleControlled.Upper))
            .Select(s => new ConditionEstimate(s.Condition, s.StyleControlled.Estimate, s.StyleControlled.Lower, s.StyleControlled.Upper)).ToList();
        if (strengths.Count > 0)
            files.AddRange(exporter.SavePngAndSvg(new ConditionComparisonFigure($"Bradley–Terry strength, style-controlled ({result.Reference} = 0)", strengths, "Log-odds"),
                Path.Combine(directory, "quality_bradley_terry"), FigureSize.SingleColumn));
        return files;
    }
}
