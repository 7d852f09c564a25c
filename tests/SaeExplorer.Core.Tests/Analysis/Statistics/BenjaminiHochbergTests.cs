using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Tests.Analysis.Statistics;

public sealed class BenjaminiHochbergTests
{
    [Fact]
    public void Five_p_values_by_hand()
    {
        // p = 0.01, 0.04, 0.03, 0.005, 0.5; sorted 0.005, 0.01, 0.03, 0.04, 0.5 with m = 5:
        // m·p/rank = 0.025, 0.025, 0.05, 0.05, 0.5; running minimum from the top leaves them unchanged.
        // Back in input order: 0.025, 0.05, 0.05, 0.025, 0.5 (R: p.adjust(c(.01,.04,.03,.005,.5), "BH")).
        var q = BenjaminiHochberg.Adjust([0.01, 0.04, 0.03, 0.005, 0.5]);
        Assert.Equal([0.025, 0.05, 0.05, 0.025, 0.5], q.Select(v => Math.Round(v, 12)));
    }

    [Fact]
    public void Benjamini_Hochberg_1995_example()
    {
        // Benjamini & Hochberg (1995), JRSS B 57:289–300, §4.1 (Neuhaus et al. thrombolysis trial): 15 p-values; at
        // q* = 0.05 the procedure rejects the four smallest (Bonferroni only three). By hand: q₍₄₎ = 0.0095·15/4 =
        // 0.035625; q₍₅₎ = min(0.0201·3, 0.0278·2.5, 0.0298·15/7, 0.0344·15/8, 0.0459·15/9, …) = 0.0603.
        double[] p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000];
        var q = BenjaminiHochberg.Adjust(p);
        Assert.Equal(4, q.Count(v => v <= 0.05));
        Assert.Equal(0.0015, q[0], 12);        // min(0.0015, 0.003, …)
        Assert.Equal(0.035625, q[3], 12);
        Assert.Equal(0.0603, q[4], 12);
        Assert.Equal(1.0, q[14]);
    }

    [Fact]
    public void Implicit_p_ones_only_change_m()
    {
        // Two p-values, m = 1000: the 998 untested count as p = 1. q = 0.001·1000/1 = 1 → capped; 0.0001·1000 = 0.1.
        var q = BenjaminiHochberg.Adjust([0.001, 0.0001], totalTests: 1000);
        Assert.Equal(0.1, q[1], 12);
        Assert.Equal(0.5, q[0], 12); // 0.001·1000/2
        Assert.Throws<ArgumentOutOfRangeException>(() => BenjaminiHochberg.Adjust([0.1, 0.2], totalTests: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BenjaminiHochberg.Adjust([double.NaN]));
    }
}
