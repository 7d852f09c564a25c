using SaeExplorer.Core.Features;
using SaeExplorer.Runs.Contracts;

namespace SaeExplorer.Runs.Tests.Contracts;

/// <summary>The names other tools read: changing any of these is a new format version.</summary>
public sealed class FileContractTests
{
    [Fact]
    public void Capture_and_feature_files_keep_their_tensor_names()
    {
        Assert.Equal("saex.capture.v1", CaptureFile.Format);
        Assert.Equal("novice-3.resid_post.50", CaptureFile.ResidPost("novice-3", 50));
        Assert.Equal("novice-3.input_ids", CaptureFile.InputIds("novice-3"));
        Assert.Equal(50, CaptureFile.LayerOf("novice-3.resid_post.50"));
        Assert.Null(CaptureFile.LayerOf("novice-3.input_ids"));
        Assert.Equal(["p.features", "p.features.row_starts", "p.features.indices", "p.features.values"],
            [FeatureFile.Dense("p"), FeatureFile.RowStarts("p"), FeatureFile.Indices("p"), FeatureFile.Values("p")]);
    }

    [Fact]
    public void Pooled_activations_are_stored_in_a_written_down_order()
    {
        // The feature store keeps each prompt's pooled vectors as one blob in this order; reordering PoolingMethod must
        // not change which vector is which.
        Assert.Equal([PoolingMethod.Last, PoolingMethod.Mean, PoolingMethod.Max, PoolingMethod.User], ActivationPooling.StoredOrder);
        float[][] stored = [[1f], [2f], [3f], [4f]];
        Assert.Equal([3f], ActivationPooling.Stored(stored, PoolingMethod.Max));
        Assert.Equal([4f], ActivationPooling.Stored(stored, PoolingMethod.User));
    }
}
