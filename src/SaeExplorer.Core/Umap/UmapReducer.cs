using System.Diagnostics;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Umap;

/// <summary>Wall time of each UMAP stage.</summary>
public sealed record UmapTimings(TimeSpan NearestNeighbors, TimeSpan FuzzyGraph, TimeSpan Initialization, TimeSpan Optimization)
{
    public TimeSpan Total => NearestNeighbors + FuzzyGraph + Initialization + Optimization;
}

/// <summary>A UMAP embedding and how it was made.</summary>
/// <param name="Embedding">One row of <see cref="UmapOptions.ComponentCount"/> coordinates per input point.</param>
/// <param name="Neighbors">The input-space kNN graph the embedding was built from.</param>
/// <param name="EpochCount">SGD epochs run.</param>
/// <param name="A">Curve parameter a used.</param>
/// <param name="B">Curve parameter b used.</param>
/// <param name="ConnectedComponents">Components of the fuzzy graph (more than 1 switches spectral init to its per-component form).</param>
/// <param name="Timings">Stage wall times.</param>
public sealed record UmapResult(float[][] Embedding, KnnGraph Neighbors, int EpochCount, float A, float B,
    int ConnectedComponents, UmapTimings Timings);

/// <summary>
/// Uniform Manifold Approximation and Projection (McInnes, Healy &amp; Melville 2018), following the reference
/// umap-learn 0.5: kNN graph → smooth kNN distances → fuzzy union → spectral (or PCA/random) initialisation →
/// SGD with negative sampling. The same seed and data give a bit-identical embedding: the kNN search runs on several
/// threads but merges in a fixed order, and the SGD is single-threaded (umap-learn's parallel SGD is Hogwild, i.e.
/// non-deterministic, which is what we avoid).
/// </summary>
public sealed class UmapReducer
{
    /// <summary>A reducer with the given options (umap-learn's defaults if null).</summary>
    public UmapReducer(UmapOptions? options = null)
    {
        Options = options ?? new UmapOptions();
        Validate(Options);
    }

    public UmapOptions Options { get; }

    /// <summary>Embeds dense rows (e.g. raw residual activations).</summary>
    public UmapResult Fit(IReadOnlyList<float[]> rows) => Fit(PointSet.FromDense(rows));

    /// <summary>Embeds sparse vectors (e.g. pooled SAE features).</summary>
    public UmapResult Fit(IReadOnlyList<SparseVector> vectors) => Fit(PointSet.FromSparse(vectors));

    /// <summary>Embeds a validated point set.</summary>
    public UmapResult Fit(PointSet points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var o = Options;
        if (o.NeighborCount >= points.Count)
            throw new ArgumentException(
                $"n_neighbors ({o.NeighborCount}) must be smaller than the number of points ({points.Count})", nameof(points));

        var clock = Stopwatch.StartNew();
        var knn = NearestNeighborSearch.Compute(points, o.NeighborCount, o.Metric, o.Seed, o.ExactNeighborThreshold,
            o.MaxDegreeOfParallelism);
        var knnTime = clock.Elapsed;

        clock.Restart();
        var graph = FuzzySimplicialSet.Build(knn, o.LocalConnectivity, o.SetOpMixRatio);
        int epochs = o.EpochCount ?? (points.Count <= 10_000 ? 500 : 200);
        // umap-learn drops edges too weak to be sampled even once in the run before initialising.
        graph = Prune(graph, epochs);
        var graphTime = clock.Elapsed;

        clock.Restart();
        var random = new UmapRandom(o.Seed);
        int dim = o.ComponentCount;
        var (_, components) = graph.ConnectedComponents();
        double[][] initial = o.Initialization switch
        {
            UmapInitialization.Spectral => InitialLayout.Spectral(graph, points, dim, random),
            UmapInitialization.Pca => InitialLayout.Pca(points, dim, random),
            _ => InitialLayout.Uniform(points.Count, dim, random),
        };
        var embedding = ScaleInitial(initial, dim, addNoise: o.Initialization != UmapInitialization.Random, random);
        var initTime = clock.Elapsed;

        clock.Restart();
        var (a, b) = o.A is { } fixedA && o.B is { } fixedB ? (fixedA, fixedB) : UmapCurve.FindAbParams(o.Spread, o.MinDist);
        if (epochs > 0)
        {
            LayoutOptimizer.Optimize(embedding, dim, graph, epochs, a, b, o.RepulsionStrength, o.LearningRate,
                o.NegativeSampleRate, random);
        }
        var optimizeTime = clock.Elapsed;

        var rows = new float[points.Count][];
        for (int i = 0; i < rows.Length; i++)
            rows[i] = embedding.AsSpan(i * dim, dim).ToArray();
        return new UmapResult(rows, knn, epochs, a, b, components, new UmapTimings(knnTime, graphTime, initTime, optimizeTime));
    }

    private static SparseGraph Prune(SparseGraph graph, int epochs)
    {
        if (epochs <= 0 || graph.EdgeCount == 0)
            return graph;
        float threshold = graph.Weights.Max() / epochs;
        var starts = new int[graph.Count + 1];
        var columns = new List<int>(graph.EdgeCount);
        var weights = new List<float>(graph.EdgeCount);
        for (int i = 0; i < graph.Count; i++)
        {
            for (int e = graph.RowStarts[i]; e < graph.RowStarts[i + 1]; e++)
            {
                if (graph.Weights[e] >= threshold)
                {
                    columns.Add(graph.Columns[e]);
                    weights.Add(graph.Weights[e]);
                }
            }
            starts[i + 1] = columns.Count;
        }
        return new SparseGraph(graph.Count, starts, [.. columns], [.. weights]);
    }

    /// <summary>
    /// umap-learn's scaling: spectral/PCA layouts are stretched to max |x| = 10 plus N(0, 10⁻⁴) noise (which breaks
    /// exact ties), then every layout is rescaled per axis to [0, 10] before SGD.
    /// </summary>
    private static float[] ScaleInitial(double[][] initial, int dim, bool addNoise, UmapRandom random)
    {
        int n = initial.Length;
        var result = new float[n * dim];
        double maxAbs = initial.Max(row => row.Max(Math.Abs));
        double expansion = addNoise && maxAbs > 0 ? 10 / maxAbs : 1;
        for (int i = 0; i < n; i++)
        {
            for (int d = 0; d < dim; d++)
                result[i * dim + d] = (float)(initial[i][d] * expansion + (addNoise ? 1e-4 * random.NextGaussian() : 0));
        }
        for (int d = 0; d < dim; d++)
        {
            float min = float.PositiveInfinity, max = float.NegativeInfinity;
            for (int i = 0; i < n; i++)
            {
                min = Math.Min(min, result[i * dim + d]);
                max = Math.Max(max, result[i * dim + d]);
            }
            float range = max - min;
            for (int i = 0; i < n; i++)
                result[i * dim + d] = range > 0 ? 10f * (result[i * dim + d] - min) / range : 5f;
        }
        return result;
    }

    private static void Validate(UmapOptions o)
    {
        if (o.NeighborCount < 2)
            throw new ArgumentOutOfRangeException(nameof(o.NeighborCount), o.NeighborCount, "n_neighbors must be at least 2");
        if (o.ComponentCount < 1)
            throw new ArgumentOutOfRangeException(nameof(o.ComponentCount), o.ComponentCount, "n_components must be at least 1");
        if (o.EpochCount is < 0)
            throw new ArgumentOutOfRangeException(nameof(o.EpochCount), o.EpochCount, "n_epochs must not be negative");
        if (!(o.LearningRate > 0))
            throw new ArgumentOutOfRangeException(nameof(o.LearningRate), o.LearningRate, "the learning rate must be positive");
        if (o.NegativeSampleRate < 1)
            throw new ArgumentOutOfRangeException(nameof(o.NegativeSampleRate), o.NegativeSampleRate, "negative_sample_rate must be at least 1");
        if (!(o.RepulsionStrength >= 0))
            throw new ArgumentOutOfRangeException(nameof(o.RepulsionStrength), o.RepulsionStrength, "repulsion_strength must not be negative");
        if (!(o.SetOpMixRatio >= 0 && o.SetOpMixRatio <= 1))
            throw new ArgumentOutOfRangeException(nameof(o.SetOpMixRatio), o.SetOpMixRatio, "set_op_mix_ratio must be in [0, 1]");
        if (!(o.LocalConnectivity >= 0))
            throw new ArgumentOutOfRangeException(nameof(o.LocalConnectivity), o.LocalConnectivity, "local_connectivity must not be negative");
        if ((o.A is null) != (o.B is null))
            throw new ArgumentException("set both A and B, or neither (then they are fitted from min_dist and spread)");
        if (o.A is null)
            UmapCurve.FindAbParams(o.Spread, o.MinDist);
    }
}
