using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Tests.Analysis.Statistics;

public sealed class BootstrapTests
{
    private static readonly double[] Counts = [118, 121, 125, 119, 130, 117, 122, 128, 120, 124, 116, 131];

    [Fact]
    public void Same_seed_same_interval_and_it_contains_the_mean()
    {
        var a = Bootstrap.MeanInterval(Counts, 2000, seed: 42);
        var b = Bootstrap.MeanInterval(Counts, 2000, seed: 42);
        Assert.Equal(a, b);
        Assert.Equal(Counts.Average(), a.Estimate, 12);
        Assert.InRange(a.Estimate, a.Lower, a.Upper);
        // The sample SD is 4.86, so the SE of the mean is 1.40 and a 95% interval is about ±2.7 wide on each side.
        Assert.InRange(a.Estimate - a.Lower, 1.8, 3.6);
        Assert.InRange(a.Upper - a.Estimate, 1.8, 3.6);
        // Pinned against an independent Python implementation of the same SplitMix64 stream, Lemire's bounded draw and
        // type-7 quantiles, so a change to the generator (which would silently change every published interval) fails here.
        Assert.Equal(119.91666666666667, a.Lower, 12);
        Assert.Equal(125.41666666666667, a.Upper, 12);
        var other = Bootstrap.MeanInterval(Counts, 2000, seed: 43);
        Assert.NotEqual((a.Lower, a.Upper), (other.Lower, other.Upper));
    }

    [Fact]
    public void Constant_sample_has_a_point_interval()
    {
        var ci = Bootstrap.MeanInterval([5.0, 5.0, 5.0], 100, seed: 1);
        Assert.Equal((5.0, 5.0, 5.0), (ci.Estimate, ci.Lower, ci.Upper));
    }

    [Fact]
    public void Type7_quantile()
    {
        // numpy.quantile([1, 2, 3, 4], 0.25) = 1.75; 0.5 → 2.5; 1 → 4.
        double[] s = [1, 2, 3, 4];
        Assert.Equal(1.75, Bootstrap.Quantile(s, 0.25), 15);
        Assert.Equal(2.5, Bootstrap.Quantile(s, 0.5), 15);
        Assert.Equal(4.0, Bootstrap.Quantile(s, 1.0), 15);
    }
}
