using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Tests.Features;

public sealed class FeaturePoolingTests
{
    // 4 tokens × 5 features (0 = inactive):
    //   t0: [0,   2,   0,   0,   1  ]
    //   t1: [3,   0,   0,   0,   0.5]
    //   t2: [0,   1,   0,   0,   0  ]
    //   t3: [1,   0,   0,   4,   0  ]
    private static readonly SparseFeatureMatrix M = SparseFeatureMatrix.FromDense(
    [
        0f, 2f, 0f, 0f, 1f,
        3f, 0f, 0f, 0f, 0.5f,
        0f, 1f, 0f, 0f, 0f,
        1f, 0f, 0f, 4f, 0f,
    ], tokenCount: 4, featureCount: 5);

    private static void AssertVector(SparseVector v, int[] indices, float[] values)
    {
        Assert.Equal(5, v.FeatureCount);
        Assert.Equal(indices, v.Indices);
        Assert.Equal(values, v.Values);
    }

    [Fact]
    public void Last_is_the_last_tokens_row() =>
        AssertVector(FeaturePooling.Pool(M, PoolingMethod.Last), [0, 3], [1f, 4f]);

    [Fact]
    public void Mean_divides_by_all_tokens_counting_inactive_as_zero() =>
        // f0 (0+3+0+1)/4 = 1; f1 (2+0+1+0)/4 = 0.75; f2 never active → dropped; f3 4/4 = 1; f4 (1+0.5)/4 = 0.375.
        AssertVector(FeaturePooling.Pool(M, PoolingMethod.Mean), [0, 1, 3, 4], [1f, 0.75f, 1f, 0.375f]);

    [Fact]
    public void Max_is_the_elementwise_maximum_over_all_tokens() =>
        // f0 max(0,3,0,1) = 3; f1 max(2,0,1,0) = 2; f3 4; f4 max(1,0.5,0,0) = 1.
        AssertVector(FeaturePooling.Pool(M, PoolingMethod.Max), [0, 1, 3, 4], [3f, 2f, 4f, 1f]);

    [Fact]
    public void User_is_the_maximum_over_the_given_positions_only() =>
        // Tokens 1 and 2: f0 max(3,0) = 3; f1 max(0,1) = 1; f3 inactive on both → dropped; f4 max(0.5,0) = 0.5.
        AssertVector(FeaturePooling.Pool(M, PoolingMethod.User, [2, 1]), [0, 1, 4], [3f, 1f, 0.5f]);

    [Fact]
    public void User_with_one_position_is_that_tokens_row() =>
        AssertVector(FeaturePooling.Pool(M, PoolingMethod.User, [0]), [1, 4], [2f, 1f]);

    [Fact]
    public void Positions_are_ignored_by_the_other_methods() =>
        AssertVector(FeaturePooling.Pool(M, PoolingMethod.Max, [0]), [0, 1, 3, 4], [3f, 2f, 4f, 1f]);

    [Fact]
    public void Negative_values_follow_the_dense_definition()
    {
        // f0: [-1, -3] active on both tokens → max -1, mean -2. f1: [-2, 0] → max 0 (dropped), mean -1.
        var m = SparseFeatureMatrix.FromDense([-1f, -2f, -3f, 0f], tokenCount: 2, featureCount: 2);
        var max = FeaturePooling.Pool(m, PoolingMethod.Max);
        Assert.Equal([0], max.Indices);
        Assert.Equal([-1f], max.Values);
        var mean = FeaturePooling.Pool(m, PoolingMethod.Mean);
        Assert.Equal([0, 1], mean.Indices);
        Assert.Equal([-2f, -1f], mean.Values);
    }

    [Fact]
    public void Mean_that_cancels_to_zero_is_dropped()
    {
        var m = SparseFeatureMatrix.FromDense([2f, 1f, -2f, 1f], tokenCount: 2, featureCount: 2);
        var mean = FeaturePooling.Pool(m, PoolingMethod.Mean);
        Assert.Equal([1], mean.Indices);
        Assert.Equal([1f], mean.Values);
    }

    [Fact]
    public void A_token_with_no_active_features_pools_to_an_empty_vector()
    {
        var m = SparseFeatureMatrix.FromDense([1f, 0f, 0f, 0f], tokenCount: 2, featureCount: 2);
        var last = FeaturePooling.Pool(m, PoolingMethod.Last);
        Assert.Equal(0, last.ActiveCount);
        Assert.Equal(2, last.FeatureCount);
    }

    [Fact]
    public void User_without_positions_is_an_error()
    {
        Assert.Contains("needs the token positions", Assert.Throws<ArgumentException>(() => FeaturePooling.Pool(M, PoolingMethod.User)).Message);
        Assert.Contains("needs the token positions", Assert.Throws<ArgumentException>(() => FeaturePooling.Pool(M, PoolingMethod.User, [])).Message);
    }

    [Fact]
    public void User_position_outside_the_prompt_is_an_error()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => FeaturePooling.Pool(M, PoolingMethod.User, [1, 4]));
        Assert.Contains("user token position 4 is outside the prompt's 4 tokens", e.Message);
    }

    [Fact]
    public void A_prompt_without_tokens_is_an_error()
    {
        var empty = new SparseFeatureMatrix(0, 5, [0], [], []);
        Assert.Throws<ArgumentException>(() => FeaturePooling.Pool(empty, PoolingMethod.Mean));
    }

    [Fact]
    public void The_pooled_tokens_are_the_ones_each_method_reads()
    {
        Assert.Equal([3], FeaturePooling.PooledTokens(PoolingMethod.Last, 4));
        Assert.Equal([0, 1, 2, 3], FeaturePooling.PooledTokens(PoolingMethod.Mean, 4, [1, 2]));
        Assert.Equal([0, 1, 2, 3], FeaturePooling.PooledTokens(PoolingMethod.Max, 4));
        Assert.Equal([1, 2], FeaturePooling.PooledTokens(PoolingMethod.User, 4, [1, 2]));
        Assert.Throws<ArgumentException>(() => FeaturePooling.PooledTokens(PoolingMethod.User, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => FeaturePooling.PooledTokens(PoolingMethod.User, 4, [4]));
    }
}
