using SaeExplorer.Core.Analysis.Quality;
using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Tests.Analysis.Quality;

public sealed class QualityTriangleTests
{
    private static readonly string[] Conditions = ["standard", "terse", "verbose"];

    // Ten topics × three conditions. Verbose answers are long and listy, terse ones short; scores rise with length and
    // with the prompt's features; two answers are unscored.
    private static List<QualityAnswer> Answers()
    {
        var answers = new List<QualityAnswer>();
        for (int t = 0; t < 10; t++)
        {
            for (int c = 0; c < 3; c++)
            {
                int length = c switch { 0 => 250, 1 => 120, _ => 420 } + 17 * t - 9 * (t % 3) * c;
                double features = 40 + 3 * t + 6 * c + (t * 7 + c * 5) % 4;
                double? score = (t, c) is (3, 1) or (7, 2) ? null : 4 + length / 100.0 + 0.05 * features + ((t + c) % 3 - 1) * 0.4;
                answers.Add(new QualityAnswer($"topic{t}", Conditions[c], features, 0.8 + 0.01 * ((t * 3 + c) % 7), 300 + length / 2.0 + t,
                    length, 5 * length, c == 2 ? 2 : 0, c == 2 ? 6 + t % 3 : c == 0 ? 2 : 0, c == 2 ? 3 : t % 2, score));
            }
        }
        return answers;
    }

    // Per topic: verbose vs standard in both orders, terse vs standard in both orders, verbose vs terse once.
    private static List<QualityComparison> Comparisons()
    {
        var comparisons = new List<QualityComparison>();
        for (int t = 0; t < 10; t++)
        {
            string topic = $"topic{t}";
            double verboseWins = t % 4 == 0 ? 0.5 : t % 5 == 1 ? 0 : 1;
            comparisons.Add(new QualityComparison(topic, "verbose", "standard", verboseWins));
            comparisons.Add(new QualityComparison(topic, "standard", "verbose", t == 2 ? 1 : 1 - verboseWins));
            double terseWins = t % 3 == 0 ? 1 : 0;
            comparisons.Add(new QualityComparison(topic, "terse", "standard", terseWins));
            comparisons.Add(new QualityComparison(topic, "standard", "terse", 1 - terseWins));
            comparisons.Add(new QualityComparison(topic, "verbose", "terse", t % 3 == 1 ? 0 : 1));
        }
        return comparisons;
    }

    [Fact]
    public void Report_is_made_of_the_documented_pieces()
    {
        var answers = Answers();
        var comparisons = Comparisons();
        const int resamples = 200;
        const ulong seed = 17;
        var report = QualityTriangle.Build(answers, comparisons, "standard", resamples, seed);

        Assert.Equal(Conditions, report.Conditions);
        Assert.Equal((30, 28, 50), (report.Answers, report.ScoredAnswers, report.Comparisons));

        // Sides: prompt features ~ length on all 30 answers, with stream 0 of the seed.
        Assert.Equal(7, report.Sides.Count);
        var side = report.Sides[0];
        Assert.Equal((QualityTriangle.PromptFeatures, QualityTriangle.LengthTokens, 30), (side.X, side.Y, side.Pairs));
        var features = answers.Select(a => a.PromptFeatures).ToArray();
        var lengths = answers.Select(a => (double)a.LengthTokens).ToArray();
        Assert.Equal(Correlation.PearsonInterval(features, lengths, resamples, Bootstrap.DeriveSeed(seed, 0)), side.Pearson);
        Assert.Equal(Correlation.SpearmanInterval(features, lengths, resamples, Bootstrap.DeriveSeed(seed, 0)), side.Spearman);
        // Sides with the score use the 28 scored answers only; the last side is length ~ score.
        Assert.Equal((QualityTriangle.PromptFeatures, QualityTriangle.PointwiseScore, 28), (report.Sides[1].X, report.Sides[1].Y, report.Sides[1].Pairs));
        var scored = answers.Where(a => a.PointwiseScore is not null).ToArray();
        var scores = scored.Select(a => a.PointwiseScore!.Value).ToArray();
        var scoredLengths = scored.Select(a => (double)a.LengthTokens).ToArray();
        var last = report.Sides[6];
        Assert.Equal((QualityTriangle.LengthTokens, QualityTriangle.PointwiseScore), (last.X, last.Y));
        Assert.Equal(Correlation.Pearson(scoredLengths, scores), last.Pearson.Estimate, 15);
        Assert.True(last.Spearman.Estimate > 0.8, "scores were built to rise with length");

        // Partial: prompt features ~ score | length, stream 100.
        var partial = report.Partials[0];
        Assert.Equal([QualityTriangle.LengthTokens], partial.Given);
        Assert.Equal(PartialCorrelation.PearsonInterval(scored.Select(a => a.PromptFeatures).ToArray(), scores, [scoredLengths], resamples,
            Bootstrap.DeriveSeed(seed, 100)), partial.Pearson);

        // Bradley–Terry over conditions, reference at 0 in both fits.
        var standard = report.Strengths[0];
        Assert.Equal("standard", standard.Condition);
        Assert.Equal((0.0, 0.0, 0.0), (standard.Raw.Estimate, standard.Raw.Lower, standard.Raw.Upper));
        Assert.Equal(1000.0, standard.StyleControlledElo.Estimate);
        // Strengths count each pair once, its two orders combined.
        var outcomes = QualityTriangle.CombineOrders(comparisons).Select(c => new PairwiseOutcome(Array.IndexOf(Conditions, c.ConditionA),
            Array.IndexOf(Conditions, c.ConditionB), c.OutcomeForA)).ToArray();
        var raw = BradleyTerry.Fit(3, outcomes, 0, new BradleyTerryOptions(Resamples: resamples, Seed: Bootstrap.DeriveSeed(seed, 200)));
        Assert.Equal(raw.Items[2].LogOdds, report.Strengths[2].Raw);
        Assert.True(report.Strengths[2].Raw.Estimate > 0, "verbose won most of its comparisons with standard");
        Assert.Equal(StyleCovariates.ArenaNames, report.StyleCoefficients.Select(s => s.Name));
        Assert.Equal(0, report.SkippedStrengthResamples);

        // Win rates: one instance per topic, both orders combined. Verbose vs standard on topic 2 was judged "first
        // wins" both ways, so that instance is 0.5.
        var verbose = report.WinRates.Single(w => w.Condition == "verbose").Result;
        Assert.Equal(10, verbose.Instances);
        var instances = Enumerable.Range(0, 10).Select(t =>
        {
            double win = t % 4 == 0 ? 0.5 : t % 5 == 1 ? 0 : 1;
            double outcome = t == 2 ? 0.5 : win;
            var a = answers.Single(x => x.Topic == $"topic{t}" && x.Condition == "verbose");
            var b = answers.Single(x => x.Topic == $"topic{t}" && x.Condition == "standard");
            return new LengthPairedOutcome(outcome, a.LengthTokens, b.LengthTokens);
        }).ToArray();
        Assert.Equal(LengthControlledWinRate.Compute(instances, resamples, Bootstrap.DeriveSeed(seed, 302)), verbose);
        Assert.Equal(2, report.WinRates.Count);

        // Blocked effect on the scored answers.
        Assert.NotNull(report.BlockedEffect);
        Assert.Equal(9, report.BlockedEffect!.Differences.Single(d => d.Condition == "terse").Topics);
        Assert.Equal(8, report.BlockedEffect.Friedman!.Blocks);
        Assert.True(report.BlockedEffect.Differences.Single(d => d.Condition == "verbose").MeanDifference.Lower > 0);

        // Judge bias: 50 verdicts, ties on topics 0, 4, 8 (both orders of verbose–standard); 20 pairs judged both ways, all
        // consistent but verbose–standard on topic 2.
        Assert.Equal(50, report.JudgeBias.Verdicts);
        Assert.Equal(44, report.JudgeBias.Decisive);
        Assert.Equal(20, report.JudgeBias.PositionConsistency.OutOf);
        Assert.Equal(19, report.JudgeBias.PositionConsistency.Count);
    }

    [Fact]
    public void Both_orders_make_a_win_only_when_they_agree()
    {
        QualityComparison[] verdicts =
        [
            // Agree: b wins shown second and shown first.
            new("t1", "a", "b", 0), new("t1", "b", "a", 1),
            // Disagree (first position wins both times): a tie.
            new("t2", "a", "b", 1), new("t2", "b", "a", 1),
            // A win and a tie: a tie, not three quarters.
            new("t3", "b", "a", 0.5), new("t3", "a", "b", 1),
            // One order only: kept as it is, named in ordinal order.
            new("t4", "b", "a", 1),
        ];
        Assert.Equal(
        [
            new QualityComparison("t1", "a", "b", 0), new QualityComparison("t2", "a", "b", 0.5),
            new QualityComparison("t3", "a", "b", 0.5), new QualityComparison("t4", "a", "b", 0),
        ], QualityTriangle.CombineOrders(verdicts));
    }

    [Fact]
    public void Same_seed_same_report()
    {
        var a = QualityTriangle.Build(Answers(), Comparisons(), "standard", 100, seed: 5);
        var b = QualityTriangle.Build(Answers(), Comparisons(), "standard", 100, seed: 5);
        Assert.Equal(a.Sides, b.Sides);
        Assert.Equal(a.Strengths, b.Strengths);
        Assert.Equal(a.WinRates, b.WinRates);
        Assert.Equal(a.BlockedEffect!.Differences, b.BlockedEffect!.Differences);
        var c = QualityTriangle.Build(Answers(), Comparisons(), "standard", 100, seed: 6);
        Assert.NotEqual(a.Sides[0].Pearson.Lower, c.Sides[0].Pearson.Lower);
    }

    [Fact]
    public void Sparse_data_degrades_instead_of_throwing()
    {
        // Two answers, one scored, no verdicts: every statistic that cannot be computed is NaN or empty.
        QualityAnswer[] answers =
        [
            new("t1", "standard", 40, 0.8, 300, 200, 900, 0, 0, 0, 6.0),
            new("t1", "terse", 42, 0.9, 280, 90, 400, 0, 0, 0, null),
        ];
        var r = QualityTriangle.Build(answers, [], "standard", 50);
        Assert.All(r.Sides, s => Assert.True(double.IsNaN(s.Pearson.Estimate) && double.IsNaN(s.Spearman.Upper)));
        Assert.All(r.Partials, p => Assert.True(double.IsNaN(p.Pearson.Estimate)));
        Assert.Empty(r.Strengths);
        Assert.Empty(r.WinRates);
        Assert.Equal(0, r.JudgeBias.Verdicts);
        // The blocked effect sees only conditions with scores: terse has none.
        Assert.Equal(["standard"], r.BlockedEffect!.Conditions);
        Assert.Empty(r.BlockedEffect.Differences);
        Assert.Null(r.BlockedEffect.Friedman);
    }

    [Fact]
    public void Bad_input_is_refused_with_the_reason()
    {
        var answers = Answers();
        Assert.Contains("reference", Assert.Throws<ArgumentException>(() => QualityTriangle.Build(answers, [], "baseline")).Message);
        var duplicate = Assert.Throws<ArgumentException>(() => QualityTriangle.Build([.. answers, answers[0]], [], "standard"));
        Assert.Contains("two answers", duplicate.Message);
        var orphan = Assert.Throws<ArgumentException>(() => QualityTriangle.Build(answers, [new("topic99", "terse", "standard", 1)], "standard"));
        Assert.Contains("topic99", orphan.Message);
        var nan = answers.Select((a, i) => i == 3 ? a with { PointwiseScore = double.NaN } : a).ToList();
        Assert.Throws<ArgumentException>(() => QualityTriangle.Build(nan, [], "standard"));
    }
}
