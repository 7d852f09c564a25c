using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Tests.Analysis.Statistics;

public sealed class MannWhitneyUTests
{
    [Fact]
    public void Tortoise_and_hare_exact()
    {
        // Wikipedia, "Mann–Whitney U test", Illustration of calculation methods: finishing order T H H H H H T T T T T H,
        // 6 tortoises and 6 hares, U_T = 11 (the first tortoise beats 6 hares, five more beat 1 each). As ranks (1 = first
        // to finish) the tortoises hold 1, 7, 8, 9, 10, 11; U counted as "larger rank" is then 25 for the tortoises and 11
        // for the hares. Exact two-sided p: 143 of the C(12,6) = 924 arrangements have U ≥ 25 (enumerated in Python), so
        // p = 2·143/924 = 0.30952.
        double[] tortoises = [1, 7, 8, 9, 10, 11];
        double[] hares = [2, 3, 4, 5, 6, 12];
        var r = MannWhitneyU.Test(tortoises, hares);
        Assert.Equal(MannWhitneyMethod.Exact, r.Method);
        Assert.Equal(25.0, r.UA);
        Assert.Equal(11.0, r.UB);
        Assert.Equal(2.0 * 143 / 924, r.P, 14);
        // Kerby's r = 2·25/36 − 1 = 7/18.
        Assert.Equal(7.0 / 18, r.RankBiserial, 14);
        Assert.Equal(143.0 / 924, MannWhitneyU.ExactUpperTail(25, 6, 6), 14);

        // The normal approximation of the same data: no ties, σ² = 36·13/12 = 39, z = (25 − 18 − 0.5)/√39 = 1.040833,
        // p = erfc(z/√2) = 0.297953 (Python math.erfc).
        var a = MannWhitneyU.Test(tortoises, hares, MannWhitneyMethod.Asymptotic);
        Assert.Equal(6.5 / Math.Sqrt(39), a.Z, 12);
        Assert.Equal(0.2979530616081678, a.P, 12);
    }

    [Fact]
    public void Nag_g08ahf_example_with_ties()
    {
        // NAG Library, G08AHF (nag_nonpar_test_mwu) example program results: groups of 16 and 23 with ties,
        // U = 86, normal statistic −2.8039 (continuity-corrected, tie-corrected), one-tailed p 0.0025. Here: σ² =
        // 16·23/12·(40 − 846/1482) = 1209.1606, |z| = (141 − 0.5)/σ = 2.803901, two-sided p = 0.0050488.
        double[] g1 = [13, 6, 12, 7, 12, 7, 10, 7, 10, 7, 16, 7, 10, 8, 9, 8];
        double[] g2 = [17, 6, 10, 8, 15, 8, 15, 10, 15, 10, 14, 10, 14, 11, 14, 11, 13, 12, 13, 12, 13, 12, 12];
        var r = MannWhitneyU.Test(g1, g2);
        Assert.Equal(MannWhitneyMethod.Asymptotic, r.Method);
        Assert.Equal(86.0, r.UA);
        Assert.Equal(282.0, r.UB);
        Assert.Equal(2.8039, r.Z, 4);
        Assert.Equal(2.803900661575858, r.Z, 12);
        Assert.Equal(0.0025, r.P / 2, 4);
        Assert.Equal(0.005048845813774749, r.P, 12);
        Assert.True(r.RankBiserial < 0);
    }

    [Fact]
    public void Zeros_as_one_tie_block()
    {
        // A: 0 0 0 1.5 2 3; B: 0 0 0 0 0 1 0.5. Ranks: eight zeros share 4.5, then 0.5→9, 1→10, 1.5→11, 2→12, 3→13.
        // R_A = 3·4.5 + 11 + 12 + 13 = 49.5, U_A = 49.5 − 21 = 28.5. Ties: 8³ − 8 = 504. σ² = 42/12·(14 − 504/182)
        // = 37.6923; z = (28.5 − 21 − 0.5)/σ = 1.140175; p = 0.254213 (Python math.erfc).
        var r = MannWhitneyU.Test([0, 0, 0, 1.5, 2, 3], [0, 0, 0, 0, 0, 1, 0.5]);
        Assert.Equal(28.5, r.UA);
        Assert.Equal(1.1401754250991378, r.Z, 12);
        Assert.Equal(0.2542132236039645, r.P, 12);
    }

    [Fact]
    public void All_tied_gives_p_one_and_exact_refuses_ties()
    {
        var r = MannWhitneyU.Test([0, 0, 0], [0, 0]);
        Assert.Equal(1.0, r.P);
        Assert.Equal(0.0, r.RankBiserial);
        Assert.Throws<ArgumentException>(() => MannWhitneyU.Test([1, 2], [2, 3], MannWhitneyMethod.Exact));
    }

    [Fact]
    public void Exact_tail_of_tiny_samples()
    {
        // m = 1, n = 2: U ∈ {0, 1, 2} each with probability 1/3.
        Assert.Equal(1.0 / 3, MannWhitneyU.ExactUpperTail(2, 1, 2), 15);
        Assert.Equal(2.0 / 3, MannWhitneyU.ExactUpperTail(1, 1, 2), 15);
        // m = n = 2: C(4,2) = 6 arrangements, U distribution 1,1,2,1,1 over 0..4.
        Assert.Equal(2.0 / 6, MannWhitneyU.ExactUpperTail(3, 2, 2), 15);
        Assert.Equal(4.0 / 6, MannWhitneyU.ExactUpperTail(2, 2, 2), 15);
    }
}
