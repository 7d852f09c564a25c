using SaeExplorer.Tests;
using SaeExplorer.Core.Features;
using SaeExplorer.Core.Umap;

namespace SaeExplorer.Core.Tests.Umap;

public sealed class UmapReducerTests
{
    [Fact]
    public void Curve_fit_matches_umap_learn_for_the_defaults()
    {
        // umap-learn 0.5 find_ab_params(1.0, 0.1) = (1.5769434603113077, 0.8950608779109733).
        var (a, b) = UmapCurve.FindAbParams(1f, 0.1f);
        Assert.Equal(1.5769, a, 3);
        Assert.Equal(0.8951, b, 3);
    }

    [Fact]
    public void Curve_fit_follows_min_dist()
    {
        // umap-learn: find_ab_params(1.0, 0.5) = (0.5830300199950147, 1.334166992455102).
        var (a, b) = UmapCurve.FindAbParams(1f, 0.5f);
        Assert.Equal(0.5830, a, 2);
        Assert.Equal(1.3342, b, 2);
    }

    [Fact]
    public void Same_seed_gives_bit_identical_embeddings_whatever_the_thread_count()
    {
        var (points, _) = SyntheticClusters.GaussianClusters(4, 30, 20, 5, seed: 3);
        var options = new UmapOptions { Seed = 7, EpochCount = 100 };
        var first = new UmapReducer(options with { MaxDegreeOfParallelism = 1 }).Fit(points).Embedding;
        var second = new UmapReducer(options with { MaxDegreeOfParallelism = 2 }).Fit(points).Embedding;
        var other = new UmapReducer(options with { Seed = 8 }).Fit(points).Embedding;
        for (int i = 0; i < points.Length; i++)
            Assert.Equal(first[i], second[i]);
        Assert.NotEqual(first.SelectMany(r => r), other.SelectMany(r => r));
    }

    [Fact]
    public void Nn_descent_is_reproducible_and_close_to_exact()
    {
        var (points, _) = SyntheticClusters.GaussianClusters(5, 120, 16, 3, seed: 4);
        var set = PointSet.FromDense(points);
        var exact = NearestNeighborSearch.Exact(set, 10, UmapMetric.Euclidean);
        var a = NearestNeighborSearch.NnDescent(set, 10, UmapMetric.Euclidean, seed: 1, maxDegreeOfParallelism: 1);
        var b = NearestNeighborSearch.NnDescent(set, 10, UmapMetric.Euclidean, seed: 1, maxDegreeOfParallelism: 2);
        Assert.Equal(a.Indices, b.Indices);
        Assert.Equal(a.Distances, b.Distances);
        Assert.False(a.IsExact);
        double recall = Enumerable.Range(0, set.Count)
            .Average(i => a.NeighborsOf(i).ToArray().Intersect(exact.NeighborsOf(i).ToArray()).Count() / 10.0);
        Assert.True(recall >= 0.95, $"NN-descent recall {recall}");
    }

    [Fact]
    public void Well_separated_dense_clusters_stay_separated_and_trustworthy()
    {
        var (points, labels) = SyntheticClusters.GaussianClusters(6, 40, 30, 6, seed: 5);
        var result = new UmapReducer(new UmapOptions { Seed = 1 }).Fit(points);
        Assert.Equal(500, result.EpochCount);
        var embedded = PointSet.FromDense(result.Embedding);
        double accuracy = EmbeddingMetrics.KnnAccuracy(embedded, labels, 5);
        double trust = EmbeddingMetrics.Trustworthiness(PointSet.FromDense(points), result.Embedding, 10);
        Assert.True(accuracy >= 0.95, $"kNN accuracy {accuracy}");
        Assert.True(trust >= 0.9, $"trustworthiness {trust}");
        Assert.True(EmbeddingMetrics.Silhouette(embedded, labels) > 0.5);
    }

    [Fact]
    public void Sparse_sae_like_clusters_separate_under_cosine()
    {
        var (points, labels) = SyntheticClusters.SparseClusters(6, 30, 65_536, 150, 60, seed: 6);
        var result = new UmapReducer(new UmapOptions { Metric = UmapMetric.Cosine, Seed = 2 }).Fit(points);
        var embedded = PointSet.FromDense(result.Embedding);
        double accuracy = EmbeddingMetrics.KnnAccuracy(embedded, labels, 5);
        double trust = EmbeddingMetrics.Trustworthiness(PointSet.FromSparse(points), result.Embedding, 10, UmapMetric.Cosine);
        Assert.True(accuracy >= 0.95, $"kNN accuracy {accuracy}");
        Assert.True(trust >= 0.9, $"trustworthiness {trust}");
    }

    [Theory]
    [InlineData(UmapMetric.Euclidean)]
    [InlineData(UmapMetric.Cosine)]
    public void Sparse_and_dense_paths_give_the_same_knn_graph(UmapMetric metric)
    {
        var (sparse, _) = SyntheticClusters.SparseClusters(4, 25, 2_000, 60, 30, seed: 8);
        var dense = sparse.Select(UmapTestData.Densify).ToArray();
        var fromSparse = NearestNeighborSearch.Exact(PointSet.FromSparse(sparse), 12, metric);
        var fromDense = NearestNeighborSearch.Exact(PointSet.FromDense(dense), 12, metric);
        Assert.Equal(fromDense.Indices, fromSparse.Indices);
        for (int e = 0; e < fromDense.Distances.Length; e++)
            Assert.InRange(Math.Abs(fromDense.Distances[e] - fromSparse.Distances[e]), 0f, 1e-5f * Math.Max(1f, fromDense.Distances[e]));
    }

    [Theory]
    [InlineData(UmapMetric.Euclidean)]
    [InlineData(UmapMetric.Cosine)]
    public void Blocked_dense_kernel_matches_a_plain_double_precision_computation(UmapMetric metric)
    {
        // 103 points × 37 dimensions: neither a multiple of the 4-row tile nor of the 16-float vector, so every edge path runs.
        var (points, _) = SyntheticClusters.GaussianClusters(1, 103, 37, 1, seed: 11);
        var knn = NearestNeighborSearch.Exact(PointSet.FromDense(points), 6, metric);
        for (int i = 0; i < points.Length; i++)
        {
            var expected = Enumerable.Range(0, points.Length)
                .Select(j => (Index: j, Distance: j == i ? -1 : Reference(points[i], points[j], metric)))
                .OrderBy(p => p.Distance).ThenBy(p => p.Index).Take(6).ToArray();
            Assert.Equal(expected.Select(p => p.Index), knn.NeighborsOf(i).ToArray());
            for (int s = 1; s < 6; s++)
                Assert.InRange(Math.Abs(knn.DistancesOf(i)[s] - expected[s].Distance), 0, 1e-5 * Math.Max(1, expected[s].Distance));
        }

        static double Reference(float[] x, float[] y, UmapMetric metric)
        {
            double dot = 0, xx = 0, yy = 0, squares = 0;
            for (int d = 0; d < x.Length; d++)
            {
                dot += (double)x[d] * y[d];
                xx += (double)x[d] * x[d];
                yy += (double)y[d] * y[d];
                squares += ((double)x[d] - y[d]) * ((double)x[d] - y[d]);
            }
            return metric == UmapMetric.Euclidean ? Math.Sqrt(squares) : 1 - dot / Math.Sqrt(xx * yy);
        }
    }

    [Fact]
    public void Knn_graph_lists_the_point_itself_first_then_increasing_distances()
    {
        var set = PointSet.FromDense([[0f], [1f], [3f], [7f], [15f]]);
        var knn = NearestNeighborSearch.Exact(set, 3, UmapMetric.Euclidean);
        Assert.Equal([2, 1, 0], knn.NeighborsOf(2).ToArray());
        Assert.Equal([0f, 2f, 3f], knn.DistancesOf(2).ToArray());
    }

    [Fact]
    public void Connected_graph_gets_a_laplacian_eigenmap_start_and_keeps_a_ring_trustworthy()
    {
        // 200 points on a noisy circle in 10-D: one connected component, so the plain spectral path (not the
        // per-component one) seeds the layout; a ring embeds with few false neighbours.
        var random = new Random(12);
        var points = Enumerable.Range(0, 200).Select(i =>
        {
            double t = 2 * Math.PI * i / 200;
            var row = new float[10];
            row[0] = (float)(10 * Math.Cos(t));
            row[1] = (float)(10 * Math.Sin(t));
            for (int d = 2; d < 10; d++)
                row[d] = (float)(0.1 * (random.NextDouble() - 0.5));
            return row;
        }).ToArray();
        var result = new UmapReducer(new UmapOptions { Seed = 3 }).Fit(points);
        Assert.Equal(1, result.ConnectedComponents);
        double trust = EmbeddingMetrics.Trustworthiness(PointSet.FromDense(points), result.Embedding, 10);
        Assert.True(trust >= 0.95, $"trustworthiness {trust}");
    }

    [Fact]
    public void Pca_and_random_initialisations_also_work()
    {
        var (points, labels) = SyntheticClusters.GaussianClusters(3, 30, 10, 6, seed: 9);
        foreach (var init in new[] { UmapInitialization.Pca, UmapInitialization.Random })
        {
            var result = new UmapReducer(new UmapOptions { Initialization = init, EpochCount = 200 }).Fit(points);
            Assert.True(EmbeddingMetrics.KnnAccuracy(PointSet.FromDense(result.Embedding), labels, 5) >= 0.95, init.ToString());
        }
    }

    [Fact]
    public void Bad_input_is_rejected_with_a_clear_message()
    {
        var reducer = new UmapReducer();
        Assert.Contains("no rows", Assert.Throws<ArgumentException>(() => reducer.Fit(Array.Empty<float[]>())).Message);
        Assert.Contains("no rows", Assert.Throws<ArgumentException>(() => reducer.Fit(Array.Empty<SparseVector>())).Message);

        var ragged = Enumerable.Range(0, 20).Select(i => new float[i == 5 ? 3 : 4]).ToArray();
        Assert.Contains("ragged data: row 5 has 3 values, row 0 has 4", Assert.Throws<ArgumentException>(() => reducer.Fit(ragged)).Message);

        var withNaN = Enumerable.Range(0, 20).Select(_ => new float[4]).ToArray();
        withNaN[3][2] = float.NaN;
        Assert.Contains("row 3 has a non-finite value (NaN) at position 2", Assert.Throws<ArgumentException>(() => reducer.Fit(withNaN)).Message);

        var few = Enumerable.Range(0, 15).Select(i => new float[] { i, 2 * i }).ToArray();
        Assert.Contains("n_neighbors (15) must be smaller than the number of points (15)",
            Assert.Throws<ArgumentException>(() => reducer.Fit(few)).Message);

        var unsorted = new[] { new SparseVector(10, [3, 1], [1f, 2f]) };
        Assert.Contains("strictly ascending", Assert.Throws<ArgumentException>(() => PointSet.FromSparse(unsorted)).Message);
        var outside = new[] { new SparseVector(10, [10], [1f]) };
        Assert.Contains("outside [0, 10)", Assert.Throws<ArgumentException>(() => PointSet.FromSparse(outside)).Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => new UmapReducer(new UmapOptions { NeighborCount = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new UmapReducer(new UmapOptions { MinDist = 2f }));
    }
}
