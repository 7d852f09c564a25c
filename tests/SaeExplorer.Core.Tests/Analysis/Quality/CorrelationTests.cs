using SaeExplorer.Core.Analysis.Quality;

namespace SaeExplorer.Core.Tests.Analysis.Quality;

public sealed class CorrelationTests
{
    private static readonly double[] X = [3.1, 4.7, 2.2, 5.9, 4.4, 6.8, 3.3, 5.0, 7.2, 4.1, 6.1, 2.9];
    private static readonly double[] Y = [10.2, 12.9, 9.1, 15.3, 11.0, 16.8, 11.9, 12.2, 18.4, 12.5, 14.0, 10.7];

    [Fact]
    public void Pearson_by_hand()
    {
        // Means 3 and 4; deviations (−2, −1, 0, 1, 2) and (−2, 0, 1, 0, 1): Sxy = 6, Sxx = 10, Syy = 6, r = 6/√60.
        Assert.Equal(6 / Math.Sqrt(60), Correlation.Pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]), 15);
        Assert.Equal(1.0, Correlation.Pearson([1, 2, 3], [5, 7, 9]), 15);
        Assert.Equal(-1.0, Correlation.Pearson([1, 2, 3], [9, 7, 5]), 15);
    }

    [Fact]
    public void Spearman_uses_mid_ranks_for_ties()
    {
        // y = (2, 4, 5, 4, 5) ranks to (1, 2.5, 4.5, 2.5, 4.5); against x's ranks 1…5 (mean 3): Sxy = 4 + 0.5 + 0 − 0.5 + 3 = 7,
        // Sxx = 10, Syy = 4 + 0.25 + 2.25 + 0.25 + 2.25 = 9, ρ = 7/√90 (scipy.stats.spearmanr gives 0.7378647873726218).
        Assert.Equal(7 / Math.Sqrt(90), Correlation.Spearman([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]), 15);
        Assert.Equal([1, 2.5, 4.5, 2.5, 4.5], Correlation.Ranks([2, 4, 5, 4, 5]));
        // A monotone but curved relation: Spearman sees a perfect one, Pearson does not.
        double[] x = [1, 2, 3, 4, 5, 6];
        var y = x.Select(v => Math.Exp(v)).ToArray();
        Assert.Equal(1.0, Correlation.Spearman(x, y), 15);
        Assert.InRange(Correlation.Pearson(x, y), 0.8, 0.95);
    }

    [Fact]
    public void Constant_sample_gives_NaN_not_zero()
    {
        // 0.1 three times: the mean is not exactly 0.1, so a sum-of-squares test would see noise and return ±1.
        Assert.True(double.IsNaN(Correlation.Pearson([0.1, 0.1, 0.1], [1, 2, 3])));
        Assert.True(double.IsNaN(Correlation.Spearman([1, 2, 3], [4, 4, 4])));
        var ci = Correlation.PearsonInterval([0.1, 0.1, 0.1, 0.1], [1, 2, 3, 4], 50, seed: 1);
        Assert.True(double.IsNaN(ci.Estimate) && double.IsNaN(ci.Lower) && double.IsNaN(ci.Upper));
        Assert.Equal(0, ci.Resamples);
    }

    [Fact]
    public void Bad_input_is_refused_with_the_reason()
    {
        var few = Assert.Throws<ArgumentException>(() => Correlation.Pearson([1, 2], [3, 4]));
        Assert.Contains("at least 3 pairs", few.Message);
        var unpaired = Assert.Throws<ArgumentException>(() => Correlation.Spearman([1, 2, 3], [3, 4]));
        Assert.Contains("paired", unpaired.Message);
        Assert.Throws<ArgumentException>(() => Correlation.Pearson([1, double.NaN, 3], [3, 4, 5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Correlation.PearsonInterval(X, Y, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Correlation.PearsonInterval(X, Y, 10, level: 1.0));
    }

    [Fact]
    public void Pearson_interval_pinned_against_an_independent_implementation()
    {
        // Pinned against a pure-Python reimplementation of the same SplitMix64 stream, Lemire draw, pair resampling and
        // type-7 quantiles (the estimate is plain Pearson, which numpy.corrcoef agrees with to 1e-16).
        var a = Correlation.PearsonInterval(X, Y, 2000, seed: 42);
        Assert.Equal(0.9406682074521605, a.Estimate, 14);
        Assert.Equal(0.8618738851151295, a.Lower, 12);
        Assert.Equal(0.9858340953710372, a.Upper, 12);
        Assert.Equal(2000, a.Resamples);
        Assert.Equal(0.95, a.Level);
        Assert.Equal(42UL, a.Seed);
        Assert.Equal(a, Correlation.PearsonInterval(X, Y, 2000, seed: 42));
        Assert.NotEqual(a.Lower, Correlation.PearsonInterval(X, Y, 2000, seed: 43).Lower);
    }

    [Fact]
    public void Spearman_interval_reranks_each_resample()
    {
        // Same Python reference: each resample's repeated pairs are ties, ranked with mid-ranks afresh.
        var s = Correlation.SpearmanInterval(X, Y, 2000, seed: 42);
        Assert.Equal(0.9370629370629371, s.Estimate, 14);
        Assert.Equal(0.722622542016261, s.Lower, 12);
        Assert.Equal(1.0, s.Upper, 12);
    }

    [Fact]
    public void Resamples_with_a_constant_side_are_dropped_and_counted()
    {
        // With three pairs a resample draws one pair three times with probability 3/27; those have no correlation and
        // are left out: 176 of 200 remain for this seed (same Python reference).
        var ci = Correlation.PearsonInterval([1, 2, 3], [1, 3, 2], 200, seed: 7);
        Assert.Equal(0.5, ci.Estimate, 15);
        Assert.Equal(176, ci.Resamples);
        Assert.Equal(-1.0, ci.Lower, 12);
        Assert.Equal(1.0, ci.Upper, 12);
    }

    [Fact]
    public void Perfect_linear_relation_has_a_point_interval()
    {
        double[] x = [1, 2, 3, 4, 5, 6, 7, 8];
        var y = x.Select(v => 3 * v - 2).ToArray();
        var ci = Correlation.PearsonInterval(x, y, 300, seed: 3);
        Assert.Equal((1.0, 1.0, 1.0), (ci.Estimate, Math.Round(ci.Lower, 12), Math.Round(ci.Upper, 12)));
    }
}
