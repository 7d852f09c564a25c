using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Tests.Analysis;

public sealed class AnswerFeatureCountsTests
{
    [Fact]
    public void Each_condition_gets_its_answers_lengths_stops_and_max_pooled_feature_counts()
    {
        // novice: two answers; the first fires features 1 (0.5, then 2.0) and 3, the second feature 1 only.
        var a = new SparseFeatureMatrix(2, 8, [0, 2, 3], [1, 3, 1], [0.5f, 1f, 2f]);
        var b = new SparseFeatureMatrix(3, 8, [0, 1, 1, 1], [1], [4f]);
        var c = new SparseFeatureMatrix(1, 8, [0, 0], [], []);
        var counts = AnswerFeatureCounts.Summarise([
            new AnswerFeatures("novice", true, a),
            new AnswerFeatures("expert", false, c),
            new AnswerFeatures("novice", false, b),
        ]);

        Assert.Equal(["novice", "expert"], counts.Select(x => x.Condition));
        var novice = counts[0];
        Assert.Equal(2, novice.Answers);
        Assert.Equal(2.5, novice.MeanAnswerTokens);
        Assert.Equal(0.5, novice.StoppedFraction);
        Assert.Equal(1.5, novice.MeanActiveCount);
        Assert.Equal(3.0, novice.MeanMaxActivation);
        Assert.Equal(new AnswerCounts("expert", 1, 1, 0, 0, 0), counts[1]);
    }
}
