using SaeExplorer.Core.Analysis.Quality;
using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Tests.Analysis.Quality;

public sealed class BlockedConditionEffectTests
{
    [Fact]
    public void Chi_square_tail_matches_closed_forms()
    {
        // The 95% critical value of χ²(1) is 3.841458820694124 (= 1.959963984540054²).
        Assert.Equal(0.05, ChiSquareDistribution.UpperTail(3.841458820694124, 1), 12);
        Assert.Equal(0.05, ChiSquareDistribution.UpperTail(3.84146, 1), 5);
        foreach (var x in new[] { 0.01, 0.5, 1.0, 2.5, 7.0, 15.0, 40.0 })
        {
            // df 1: erfc(√(x/2)); df 2: e^(−x/2); df 3: erfc(√(x/2)) + √(2x/π)·e^(−x/2); df 4: e^(−x/2)(1 + x/2).
            Close.Relative(NormalDistribution.Erfc(Math.Sqrt(x / 2)), ChiSquareDistribution.UpperTail(x, 1), 1e-12);
            Close.Relative(Math.Exp(-x / 2), ChiSquareDistribution.UpperTail(x, 2), 1e-12);
            Close.Relative(NormalDistribution.Erfc(Math.Sqrt(x / 2)) + Math.Sqrt(2 * x / Math.PI) * Math.Exp(-x / 2),
                ChiSquareDistribution.UpperTail(x, 3), 1e-12);
            Close.Relative(Math.Exp(-x / 2) * (1 + x / 2), ChiSquareDistribution.UpperTail(x, 4), 1e-12);
        }
        // Far in the tail the tail is computed directly, not as 1 − something: e^(−100) keeps its digits.
        Close.Relative(Math.Exp(-100), ChiSquareDistribution.UpperTail(200, 2), 1e-12);
        Assert.Equal(1.0, ChiSquareDistribution.UpperTail(0, 3));
        Assert.True(double.IsNaN(ChiSquareDistribution.UpperTail(double.NaN, 3)));
    }

    [Fact]
    public void Incomplete_gamma_and_log_gamma()
    {
        Assert.Equal(Math.Log(24), IncompleteGamma.LogGamma(5), 13);
        Assert.Equal(0.5 * Math.Log(Math.PI), IncompleteGamma.LogGamma(0.5), 13);
        Assert.Equal(Math.Log(Math.Sqrt(Math.PI) * 0.75), IncompleteGamma.LogGamma(2.5), 13);
        // P(1, x) = 1 − e^(−x); P + Q = 1.
        Assert.Equal(1 - Math.Exp(-0.3), IncompleteGamma.RegularizedLower(1, 0.3), 14);
        Assert.Equal(1.0, IncompleteGamma.RegularizedLower(3.5, 2.0) + IncompleteGamma.RegularizedUpper(3.5, 2.0), 14);
        Assert.Equal(1.0, IncompleteGamma.RegularizedLower(3.5, 9.0) + IncompleteGamma.RegularizedUpper(3.5, 9.0), 14);
    }

    [Fact]
    public void Friedman_by_hand_with_a_tie()
    {
        // Four topics, three conditions. Within-topic ranks: (1, 2, 3), (2, 3, 1), (1, 3, 2), and (1.5, 1.5, 3) for the
        // tied topic. Rank sums R = (5.5, 9.5, 9): 12/(4·3·4)·(30.25 + 90.25 + 81) − 3·4·4 = 50.375 − 48 = 2.375. One tie
        // of two: correction 1 − (2³ − 2)/(4·3·(9 − 1)) = 0.9375, χ² = 2.375/0.9375 = 2.5333…; df 2, p = e^(−χ²/2).
        double[][] blocks = [[1, 2, 3], [2, 3, 1], [1, 3, 2], [5, 5, 6]];
        var f = BlockedConditionEffect.Friedman(blocks);
        Assert.Equal(2.375 / 0.9375, f.Statistic, 13);
        Assert.Equal(2, f.DegreesOfFreedom);
        Assert.Equal(Math.Exp(-2.375 / 0.9375 / 2), f.P, 13);
        Assert.Equal([5.5 / 4, 9.5 / 4, 9.0 / 4], f.MeanRanks);
        Assert.Equal(4, f.Blocks);
    }

    [Fact]
    public void Friedman_extreme_and_degenerate()
    {
        // Five topics all ranking the conditions 1 < 2 < 3: R = (5, 10, 15), χ² = 12/60·350 − 60 = 10, p = e^(−5).
        var f = BlockedConditionEffect.Friedman(Enumerable.Repeat(new double[] { 1, 2, 3 }, 5).ToArray());
        Assert.Equal(10.0, f.Statistic, 12);
        Assert.Equal(Math.Exp(-5), f.P, 13);
        // Every topic all ties: there is nothing to rank.
        var ties = BlockedConditionEffect.Friedman([[4, 4, 4], [7, 7, 7]]);
        Assert.True(double.IsNaN(ties.Statistic) && double.IsNaN(ties.P));
        Assert.Throws<ArgumentException>(() => BlockedConditionEffect.Friedman([[1, 2], [1, 2, 3]]));
    }

    [Fact]
    public void Paired_differences_against_the_reference()
    {
        BlockedScore[] scores =
        [
            new("t1", "standard", 6), new("t1", "terse", 5), new("t1", "verbose", 8),
            new("t2", "standard", 7), new("t2", "terse", 7), new("t2", "verbose", 9),
            new("t3", "standard", 5), new("t3", "terse", 3), new("t3", "verbose", 6),
            new("t4", "standard", 8), new("t4", "terse", 6),
            // Two verbose answers on t4 are averaged into one cell: (9 + 10)/2.
            new("t4", "verbose", 9), new("t4", "verbose", 10),
            // Terse has no t5, so t5 pairs only verbose with standard and is no Friedman block.
            new("t5", "standard", 4), new("t5", "verbose", 7),
        ];
        var r = BlockedConditionEffect.Compute(scores, "standard", resamples: 500, seed: 3);
        Assert.Equal(["standard", "terse", "verbose"], r.Conditions);
        var terse = r.Differences.Single(d => d.Condition == "terse");
        var verbose = r.Differences.Single(d => d.Condition == "verbose");
        // terse − standard: −1, 0, −2, −2 → mean −1.25; verbose − standard: 2, 2, 1, 1.5, 3 → mean 1.9.
        Assert.Equal(4, terse.Topics);
        Assert.Equal(-1.25, terse.MeanDifference.Estimate, 14);
        Assert.Equal(5, verbose.Topics);
        Assert.Equal(1.9, verbose.MeanDifference.Estimate, 14);
        Assert.True(verbose.MeanDifference.Lower > 0);
        // The interval is Bootstrap.MeanInterval on the differences with the condition's derived seed.
        Assert.Equal(Bootstrap.MeanInterval([2, 2, 1, 1.5, 3], 500, Bootstrap.DeriveSeed(3, 2)), verbose.MeanDifference);
        Assert.Equal(WilcoxonSignedRank.Test([2, 2, 1, 1.5, 3]).P, verbose.WilcoxonP, 15);
        // Friedman on t1–t4 (complete): ranks (standard, terse, verbose) = (2,1,3), (1.5,1.5,3), (2,1,3), (2,1,3).
        Assert.NotNull(r.Friedman);
        Assert.Equal(4, r.Friedman!.Blocks);
        Assert.Equal(BlockedConditionEffect.Friedman([[6, 5, 8], [7, 7, 9], [5, 3, 6], [8, 6, 9.5]]), r.Friedman, new FriedmanComparer());
        Assert.Throws<ArgumentException>(() => BlockedConditionEffect.Compute(scores, "baseline"));
    }

    private sealed class FriedmanComparer : IEqualityComparer<FriedmanResult>
    {
        public bool Equals(FriedmanResult? x, FriedmanResult? y) =>
            x!.Statistic == y!.Statistic && x.P == y.P && x.Blocks == y.Blocks && x.MeanRanks.SequenceEqual(y.MeanRanks);

        public int GetHashCode(FriedmanResult obj) => obj.Blocks;
    }
}
