using SaeExplorer.Core.Analysis;

namespace SaeExplorer.Core.Tests.Analysis;

public sealed class HistogramBinsTests
{
    [Fact]
    public void Twenty_bins_span_every_value_with_the_largest_in_the_last_bin()
    {
        double[] values = [0.5, 1.04, 1.73, 2.5];
        var bins = HistogramBins.Spanning(values, 20)!;

        Assert.Equal(0.5, bins.Start);
        Assert.Equal(20, bins.Count);
        Assert.Equal(0.1, bins.Size, 1e-9);
        Assert.Equal([0, 5, 12, 19], values.Select(bins.IndexOf));
        Assert.Equal(-1, bins.IndexOf(0.49));
    }

    [Fact]
    public void One_value_gets_one_bin_around_it_and_no_values_no_bins()
    {
        Assert.Equal(new HistogramBins(2.5, 1, 1), HistogramBins.Spanning([3.0, 3.0], 20));
        Assert.Null(HistogramBins.Spanning([], 20));
        Assert.Null(HistogramBins.Spanning([double.NaN], 20));
    }

    [Fact]
    public void A_feature_s_conditions_share_the_bins_of_all_their_active_values()
    {
        var distribution = new FeatureDistribution(7, [
            new ConditionDistribution("novice", 3, 2, 2 / 3.0, 1.5, 1.5, 2, ["n1", "n2", "n3"], [1, 0, 2]),
            new ConditionDistribution("expert", 3, 3, 1, 6, 6, 9, ["e1", "e2", "e3"], [3, 6, 9]),
        ]);

        var bins = distribution.SharedBins(8)!;

        Assert.Equal((1.0, 8), (bins.Start, bins.Count));
        Assert.Equal(7, bins.IndexOf(9));
        Assert.Equal(0, bins.IndexOf(1));
    }
}
