using SaeExplorer.Core.Analysis.Quality;
using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Tests.Analysis.Quality;

public sealed class ArmComparisonTests
{
    private static readonly ArmPair[] Pairs =
    [
        new("t1", "novice", 6, 7, 100, 80, 40, 35, 1),
        new("t2", "novice", 5, 5, 120, 90, 42, 30, 0.5),
        new("t3", "novice", null, 8, 90, 70, 38, 36, null),
        new("t1", "expert", 7, 6, 60, 65, 50, double.NaN, 0),
    ];

    [Fact]
    public void Deltas_are_paired_means_over_the_prompts_where_both_sides_exist()
    {
        var results = ArmComparison.Compute(Pairs, resamples: 500, seed: 3);
        Assert.Equal(["all", "novice", "expert"], results.Select(r => r.Scope));
        var all = results[0];
        Assert.Equal(4, all.Prompts);
        // Quality: three prompts have both scores: +1, 0, −1.
        Assert.Equal(3, all.Quality.Prompts);
        Assert.Equal(0.0, all.Quality.Delta!.Estimate, 12);
        // Length: −20, −30, −20, +5 → −16.25.
        Assert.Equal(-16.25, all.Length.Delta!.Estimate, 12);
        // Features: the NaN prompt is left out: −5, −12, −2 → −19/3.
        Assert.Equal(3, all.AnswerFeatures.Prompts);
        Assert.Equal(-19.0 / 3, all.AnswerFeatures.Delta!.Estimate, 12);
        // Pairwise: 1, 0.5, 0 over three judged pairs.
        Assert.Equal(3, all.JudgedPairs);
        Assert.Equal(0.5, all.PairwiseWinRate!.Estimate, 12);
        // The interval is the seeded bootstrap of those same differences.
        Assert.Equal(Bootstrap.MeanInterval(new double[] { -20, -30, -20, 5 }, 500, Bootstrap.DeriveSeed(Bootstrap.DeriveSeed(3, 0), 2)), all.Length.Delta);

        var novice = results[1];
        Assert.Equal(-23.333333333333332, novice.Length.Delta!.Estimate, 12);
        Assert.Equal(0.75, novice.PairwiseWinRate!.Estimate, 12);
        var expert = results[2];
        Assert.Equal(0, expert.AnswerFeatures.Prompts);
        Assert.Null(expert.AnswerFeatures.Delta);
    }
}
