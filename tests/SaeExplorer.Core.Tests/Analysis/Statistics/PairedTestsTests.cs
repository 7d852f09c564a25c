using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Tests.Analysis.Statistics;

public sealed class PairedTestsTests
{
    [Fact]
    public void Sign_test_by_hand()
    {
        // 8 positive, 2 negative: 2·(C(10,0) + C(10,1) + C(10,2))/2¹⁰ = 2·56/1024 = 0.109375.
        Assert.Equal(0.109375, SignTest.TwoSidedP(8, 2), 15);
        Assert.Equal(0.109375, SignTest.TwoSidedP(2, 8), 15);
        // 9 vs 1: 2·11/1024 = 0.021484375.
        Assert.Equal(0.021484375, SignTest.TwoSidedP(9, 1), 15);
        // 5 of 5 one way: 2/32.
        Assert.Equal(0.0625, SignTest.TwoSidedP(5, 0), 15);
        Assert.Equal(1.0, SignTest.TwoSidedP(3, 3));
        Assert.Equal(1.0, SignTest.TwoSidedP(0, 0));
        // 1 vs 0: 2·½ = 1.
        Assert.Equal(1.0, SignTest.TwoSidedP(1, 0));
    }

    [Fact]
    public void Sign_test_large_n_does_not_underflow()
    {
        // 2¹⁰⁰⁰ is beyond double. 600 vs 400: 2·Σ_{i≤400} C(1000, i)/2¹⁰⁰⁰ = 2.7284641560660184e-10 (exact with Python's
        // fractions, then rounded).
        Close.Relative(2.7284641560660184e-10, SignTest.TwoSidedP(600, 400), 1e-11);
        Assert.Equal(1.0, SignTest.TwoSidedP(1000, 1000));
    }

    [Fact]
    public void Wilcoxon_signed_rank_wikipedia_example()
    {
        // Wikipedia, "Wilcoxon signed-rank test", Example: 10 pairs, differences 15, −7, 5, 20, 0, −9, 17, −12, 5, −10.
        // The zero is dropped (n = 9); |d| ranks: 5, 5 → 1.5 each, 7 → 3, 9 → 4, 10 → 5, 12 → 6, 15 → 7, 17 → 8,
        // 20 → 9. T⁺ = 7 + 1.5 + 9 + 8 + 1.5 = 27, T⁻ = 18, W = T⁺ − T⁻ = 9 (Wikipedia's W). Normal approximation:
        // σ² = 9·10·19/24 − (2³ − 2)/48 = 71.125, z = (27 − 22.5 − 0.5)/√71.125 = 0.474295, p = 0.635289 (Python
        // math.erfc; R wilcox.test(x, y, paired=TRUE, exact=FALSE) gives the same).
        double[] x = [125, 115, 130, 140, 140, 115, 140, 125, 140, 135];
        double[] y = [110, 122, 125, 120, 140, 124, 123, 137, 135, 145];
        var d = x.Zip(y, (a, b) => a - b).ToArray();
        var r = WilcoxonSignedRank.Test(d);
        Assert.Equal(27.0, r.TPlus);
        Assert.Equal(18.0, r.TMinus);
        Assert.Equal(9, r.NonZero);
        Assert.Equal(1, r.Zeros);
        Assert.Equal(0.4742953333830018, r.Z, 12);
        Assert.Equal(0.6352893188352069, r.P, 12);
    }

    [Fact]
    public void Wilcoxon_small_hand_case()
    {
        // d = 1, 2, 3, 4 (all positive): T⁺ = 10, mean 5, σ² = 4·5·9/24 = 7.5, z = (10 − 5 − 0.5)/√7.5 = 1.643168,
        // p = erfc(z/√2) = 0.1003482 (Python math.erfc).
        var r = WilcoxonSignedRank.Test([1, 2, 3, 4, 0, 0]);
        Assert.Equal(10.0, r.TPlus);
        Assert.Equal(0.0, r.TMinus);
        Assert.Equal(4.5 / Math.Sqrt(7.5), r.Z, 12);
        Assert.Equal(0.10034824646229079, r.P, 12);
        // Only zeros: nothing to test.
        var none = WilcoxonSignedRank.Test([0, 0]);
        Assert.Equal((0, 2, 1.0), (none.NonZero, none.Zeros, none.P));
        // Symmetric: T⁺ at its mean gives z = 0, p = 1.
        Assert.Equal(1.0, WilcoxonSignedRank.Test([1, -1, 2, -2]).P, 15);
    }

    [Fact]
    public void Normal_tails()
    {
        // Reference values from Python's math.erfc (C library erfc).
        Close.Relative(0.15729920705028513, NormalDistribution.Erfc(1), 1e-13);
        Close.Relative(0.4795001221869535, NormalDistribution.Erfc(0.5), 1e-13);
        // Either side of the switch from the series to the continued fraction at 2, and far in the tail.
        Close.Relative(0.0046756686958033394, NormalDistribution.Erfc(2.0001), 1e-13);
        Close.Relative(0.004679802092970608, NormalDistribution.Erfc(1.9999), 1e-13);
        Close.Relative(1.5374597944280351e-12, NormalDistribution.Erfc(5), 1e-13);
        Close.Relative(2.088487583762545e-45, NormalDistribution.Erfc(10), 1e-13);
        Close.Relative(2 - 0.15729920705028513, NormalDistribution.Erfc(-1), 1e-13);
        // The 97.5% normal quantile gives the textbook two-sided 0.05.
        Assert.Equal(0.05, NormalDistribution.TwoSidedP(1.959963984540054), 14);
        Assert.Equal(0.025, NormalDistribution.UpperTail(1.959963984540054), 14);
    }
}
