using SaeExplorer.Tests;
using SaeExplorer.Core.Umap;

namespace SaeExplorer.Core.Tests.Umap;

public sealed class EmbeddingMetricsTests
{
    private static float[][] Line(params float[] xs) => xs.Select(x => new[] { x }).ToArray();

    [Fact]
    public void Trustworthiness_of_an_identity_embedding_is_one()
    {
        var (points, _) = SyntheticClusters.GaussianClusters(3, 20, 5, 4, seed: 1);
        var input = PointSet.FromDense(points);
        Assert.Equal(1.0, EmbeddingMetrics.Trustworthiness(input, points, 5), 12);
        Assert.Equal(1.0, EmbeddingMetrics.KnnPreservation(input, points, 5), 12);
    }

    [Fact]
    public void Trustworthiness_matches_a_hand_computation()
    {
        // x = 0, 1, 3, 6, 10, 15 embedded with points 0 and 5 swapped. k = 1: point 0's embedded neighbour is 4
        // (input rank 4, penalty 3), point 1's is 5 (rank 5, penalty 4), point 5's is 1 (rank 4, penalty 3);
        // T = 1 − 10 · 2/(6·1·(12 − 3 − 1)) = 1 − 10/24. k = 2: penalties sum to 13, T = 1 − 13 · 2/(6·2·5) = 1 − 13/30.
        var input = PointSet.FromDense(Line(0, 1, 3, 6, 10, 15));
        var embedding = Line(15, 1, 3, 6, 10, 0);
        Assert.Equal(1 - 10.0 / 24, EmbeddingMetrics.Trustworthiness(input, embedding, 1), 12);
        Assert.Equal(1 - 13.0 / 30, EmbeddingMetrics.Trustworthiness(input, embedding, 2), 12);
    }

    [Fact]
    public void Knn_preservation_matches_a_hand_computation()
    {
        // Input 1-NN: 0→1, 1→0, 2→1, 3→2, 4→3, 5→4; embedded 1-NN: 0→4, 1→5, 2→1, 3→2, 4→3, 5→1: 3 of 6 kept.
        var input = PointSet.FromDense(Line(0, 1, 3, 6, 10, 15));
        Assert.Equal(0.5, EmbeddingMetrics.KnnPreservation(input, Line(15, 1, 3, 6, 10, 0), 1), 12);
    }

    [Fact]
    public void Silhouette_of_two_obvious_clusters_matches_a_hand_computation()
    {
        // Point 0: a = 1, b = (10 + 11)/2 = 10.5, s = 9.5/10.5; point 1: a = 1, b = (9 + 10)/2 = 9.5, s = 8.5/9.5;
        // points 10 and 11 mirror them.
        var points = PointSet.FromDense(Line(0, 1, 10, 11));
        double expected = (9.5 / 10.5 + 8.5 / 9.5) / 2;
        Assert.Equal(expected, EmbeddingMetrics.Silhouette(points, [0, 0, 1, 1]), 6);
        Assert.Equal(0.8997494, expected, 6);
    }

    [Fact]
    public void Cosine_silhouette_of_orthogonal_directions_is_one()
    {
        // Within a class the vectors are parallel (cosine distance 0); across classes orthogonal (distance 1).
        var points = PointSet.FromDense([[1, 0], [2, 0], [0, 1], [0, 3]]);
        Assert.Equal(1.0, EmbeddingMetrics.Silhouette(points, [7, 7, 9, 9], UmapMetric.Cosine), 6);
    }

    [Fact]
    public void Knn_accuracy_matches_a_hand_computation()
    {
        // k = 1: only point 2 (label 1, nearest is point 1 with label 0) is wrong → 5/6. k = 3: points 0, 1, 2 sit
        // with one another and point 3 across a gap, so each is outvoted → 3/6.
        var points = PointSet.FromDense(Line(0, 1, 2, 10, 11, 12.5f));
        int[] labels = [0, 0, 1, 1, 1, 1];
        Assert.Equal(5.0 / 6, EmbeddingMetrics.KnnAccuracy(points, labels, 1), 12);
        Assert.Equal(0.5, EmbeddingMetrics.KnnAccuracy(points, labels, 3), 12);
    }

    [Fact]
    public void Metrics_reject_bad_arguments()
    {
        var points = PointSet.FromDense(Line(0, 1, 2, 3));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddingMetrics.KnnAccuracy(points, [0, 0, 1, 1], 2));
        Assert.Contains("odd", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddingMetrics.Trustworthiness(points, Line(0, 1, 2, 3), 2));
        Assert.Contains("classes", Assert.Throws<ArgumentException>(() => EmbeddingMetrics.Silhouette(points, [1, 1, 1, 1])).Message);
        Assert.Contains("labels", Assert.Throws<ArgumentException>(() => EmbeddingMetrics.Silhouette(points, [1, 2])).Message);
    }
}
