using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Tests.Analysis.Statistics;

public sealed class FisherExactTests
{
    [Fact]
    public void Lady_tasting_tea()
    {
        // Fisher (1935), The Design of Experiments, §2: 8 cups, 4 milk-first; the lady names 3 of the 4 correctly:
        // [[3, 1], [1, 3]]. P(x) = C(4,x)·C(4,4−x)/C(8,4) = 1, 16, 36, 16, 1 (/70) for x = 0..4; the tables no more likely
        // than the observed 16/70 are x = 0, 1, 3, 4: p = 34/70 = 0.4857 (R: fisher.test(matrix(c(3,1,1,3),2))).
        var fisher = new FisherExact(8);
        Assert.Equal(34.0 / 70, fisher.TwoSidedP(3, 1, 1, 3), 13);
        // All 4 right: only x = 0 and x = 4 are as unlikely: 2/70.
        Assert.Equal(2.0 / 70, fisher.TwoSidedP(4, 0, 0, 4), 13);
    }

    [Fact]
    public void Wikipedia_dieting_example()
    {
        // Wikipedia, "Fisher's exact test", Example: dieting × sex, [[1, 9], [11, 3]] (men 1 of 12 dieting, women 9 of
        // 12): observed table p = 0.001346, one-tailed 0.001380, two-tailed 0.002759. Exactly, two-tailed = 41/14858
        // (summed over the hypergeometric support with Python's fractions.Fraction).
        var fisher = new FisherExact(24);
        Assert.Equal(41.0 / 14858, fisher.TwoSidedP(1, 9, 11, 3), 13);
        Assert.Equal(0.002759, fisher.TwoSidedP(1, 9, 11, 3), 6);
        // The test is symmetric in rows and columns.
        Assert.Equal(41.0 / 14858, fisher.TwoSidedP(11, 3, 1, 9), 13);
        Assert.Equal(41.0 / 14858, fisher.TwoSidedP(1, 11, 9, 3), 13);
    }

    [Fact]
    public void Degenerate_margins_give_one()
    {
        var fisher = new FisherExact(10);
        Assert.Equal(1.0, fisher.TwoSidedP(0, 5, 0, 5));
        Assert.Equal(1.0, fisher.TwoSidedP(5, 0, 5, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => fisher.TwoSidedP(6, 0, 5, 0));
    }

    [Fact]
    public void Log_factorials()
    {
        var fisher = new FisherExact(20);
        Assert.Equal(0.0, fisher.LogFactorial(0));
        Assert.Equal(0.0, fisher.LogFactorial(1));
        Assert.Equal(Math.Log(3628800), fisher.LogFactorial(10), 12);
        Assert.Equal(Math.Log(2432902008176640000.0), fisher.LogFactorial(20), 12);
    }
}
