using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SaeExplorer.Reports.Figures;
using SaeExplorer.Reports.Json;
using SaeExplorer.Reports.Tables;
using SaeExplorer.Runs;
using SaeExplorer.Runs.Judging;
using SaeExplorer.Storage;

namespace SaeExplorer.Cli.Commands;

/// <summary>
/// <c>saex triangle</c>: day 5 — prompt features, answer features, answer length and judged quality related on a
/// judged run: correlations with intervals, the partial correlation of features and quality given length,
/// Bradley–Terry strengths raw and style-controlled, length-controlled win rates, the condition effect blocked by
/// topic, judge-bias diagnostics, intervened arms against the baseline, and agreement with a second judge.
/// </summary>
internal static class TriangleCommand
{
    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "LiteDB store holding the judged run", Required = true };
        var run = new Option<string>("--run") { Description = "the judged run", Required = true };
        var judge = new Option<string?>("--judge") { Description = "the judge model whose verdicts to use (default: the run's only judge)" };
        var second = new Option<string?>("--second-judge") { Description = "a second judge model of the same run: their agreement is reported" };
        var resamples = new Option<int>("--resamples") { Description = "bootstrap resamples of every interval", DefaultValueFactory = _ => 2000 };
        var seed = new Option<ulong>("--seed") { Description = "seed of the bootstrap", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "folder for quality.json, the tables (.csv, .tex) and the figures", DefaultValueFactory = _ => "saex-out" };
        var command = new Command("triangle", "Relate features, answer length and judged quality on a judged run (days 4–5).")
        {
            store, run, judge, second, resamples, seed, output,
        };
        command.SetAction(r => CliRunner.Run("triangle", () => Run(r.GetValue(store)!, r.GetValue(run)!, r.GetValue(judge), r.GetValue(second),
            r.GetValue(resamples), r.GetValue(seed), r.GetValue(output)!)));
        return command;
    }

    private static int Run(string storePath, string runId, string? judgeModel, string? secondModel, int resamples, ulong seed, string outDir)
    {
        if (resamples is < 100 or > 100_000)
            throw new ArgumentException($"--resamples {resamples} is out of range 100–100000.");
        var clock = Stopwatch.StartNew();
        using var store = FeatureStore.Open(storePath);
        var (record, _, set) = new RunLifecycle(store).Reopen(runId);
        var judges = store.ListJudges(record.RunId);
        judgeModel ??= judges.Count switch
        {
            1 => judges[0],
            0 => throw new ArgumentException($"run {record.RunId} has not been judged: run `saex judge --store {storePath} --run {record.RunId}` first."),
            _ => throw new ArgumentException($"run {record.RunId} was judged by {string.Join(", ", judges)}: choose one with --judge (and another with --second-judge)."),
        };
        var judgements = store.GetJudgements(record.RunId, judgeModel)
            ?? throw new ArgumentException($"judge '{judgeModel}' has not judged run {record.RunId} (judges: {(judges.Count == 0 ? "none" : string.Join(", ", judges))}).");
        var second = secondModel is null ? null : store.GetJudgements(record.RunId, secondModel)
            ?? throw new ArgumentException($"judge '{secondModel}' has not judged run {record.RunId}: run `saex judge --judge-model {secondModel}` on it first.");
        var arms = store.ListArms(record.RunId).Select(a => store.GetAnswerSet(record.RunId, a)!).ToList();

        var result = QualityAnalysis.Run(set, arms, judgements, second, resamples, seed);
        var files = new List<string>();
        void Table(Table table, string name, params string[] extensions)
        {
            foreach (var extension in extensions)
            {
                var path = Path.Combine(outDir, name + extension);
                TableExporter.Save(table, path);
                files.Add(path);
            }
        }
        var json = Path.Combine(outDir, "quality.json");
        QualityReportJson.Save(result, json);
        files.Add(json);
        Table(QualityTables.Conditions(result), "quality_conditions", ".csv", ".tex");
        Table(QualityTables.Correlations(result), "quality_correlations", ".csv", ".tex");
        Table(QualityTables.Answers(result), "quality_answers", ".csv");
        if (result.Arms.Count > 0)
            Table(QualityTables.Arms(result), "quality_arms", ".csv", ".tex");
        files.AddRange(QualityFigureFiles.Write(result, outDir));

        foreach (var line in Summary(result))
            Console.Error.WriteLine(line);
        foreach (var f in files)
            Console.Error.WriteLine($"wrote {f}");
        Console.Error.WriteLine($"done in {clock.Elapsed.TotalSeconds:F1}s");
        return 0;
    }

    /// <summary>The headline numbers, rounded for reading.</summary>
    internal static IEnumerable<string> Summary(QualityAnalysisResult r)
    {
        var t = r.Triangle;
        string F(double v, int d = 2) => double.IsFinite(v) ? v.ToString("F" + d, CultureInfo.InvariantCulture) : "n/a";
        yield return $"run {r.RunId}, judge {r.JudgeModel}: {t.Answers} answers, {t.ScoredAnswers} scored, {t.Comparisons} pairwise verdicts";
        foreach (var side in t.Sides)
            yield return $"  {side.X} ~ {side.Y}: Spearman {F(side.Spearman.Estimate)} [{F(side.Spearman.Lower)}, {F(side.Spearman.Upper)}] (n={side.Pairs})";
        foreach (var p in t.Partials)
            yield return $"  {p.X} ~ {p.Y} | {string.Join("+", p.Given)}: partial Spearman {F(p.Spearman.Estimate)} [{F(p.Spearman.Lower)}, {F(p.Spearman.Upper)}]";
        foreach (var w in t.WinRates)
            yield return $"  {w.Condition} vs {w.Reference}: win rate {F(w.Result.RawWinRate.Estimate, 1)}%, length-controlled {F(w.Result.LengthControlled.Estimate, 1)}% [{F(w.Result.LengthControlled.Lower, 1)}, {F(w.Result.LengthControlled.Upper, 1)}]";
        var b = t.JudgeBias;
        yield return $"  judge bias: longer answer wins {F(b.LongerAnswerWins.Rate * 100, 0)}% of {b.LongerAnswerWins.OutOf} decisive verdicts, first position {F(b.FirstPositionWins.Rate * 100, 0)}%, " +
                     $"position consistency {F(b.PositionConsistency.Rate * 100, 0)}% of {b.PositionConsistency.OutOf} pairs";
        foreach (var arm in r.Arms)
        {
            var all = arm.Results[0];
            yield return $"  arm {arm.Arm} ({string.Join(" ", arm.Interventions)}): Δscore {F(all.Quality.Delta?.Estimate ?? double.NaN)}, Δlength {F(all.Length.Delta?.Estimate ?? double.NaN, 1)} tokens, " +
                         $"win rate vs baseline {F((all.PairwiseWinRate?.Estimate ?? double.NaN) * 100, 0)}%";
        }
        if (r.Agreement is { } a)
            yield return $"  agreement {a.FirstJudge} vs {a.SecondJudge}: score κw {F(a.ScoreKappa?.Kappa ?? double.NaN)}, Spearman {F(a.ScoreSpearman?.Estimate ?? double.NaN)}, pairwise κ {F(a.PairKappa?.Kappa ?? double.NaN)}";
    }
}
