namespace SaeExplorer.Core.Umap;

/// <summary>How the low-dimensional layout starts before SGD.</summary>
public enum UmapInitialization
{
    /// <summary>Eigenvectors of the fuzzy graph's normalized Laplacian (umap-learn's default); per-component on a disconnected graph.</summary>
    Spectral,

    /// <summary>First principal components of the input (centred implicitly, so sparse input stays sparse).</summary>
    Pca,

    /// <summary>Uniform in [−10, 10]² (umap-learn's "random").</summary>
    Random,
}

/// <summary>
/// UMAP hyper-parameters. Defaults are umap-learn's (McInnes, Healy &amp; Melville 2018, reference implementation 0.5).
/// </summary>
public sealed record UmapOptions
{
    /// <summary>Size of the local neighbourhood, the point itself included (umap-learn's convention).</summary>
    public int NeighborCount { get; init; } = 15;

    /// <summary>Minimum distance between embedded points; with <see cref="Spread"/> it fixes the curve a/b.</summary>
    public float MinDist { get; init; } = 0.1f;

    /// <summary>Scale of the embedded points.</summary>
    public float Spread { get; init; } = 1f;

    /// <summary>Dimension of the embedding.</summary>
    public int ComponentCount { get; init; } = 2;

    /// <summary>SGD epochs; null lets umap-learn's rule decide (500 up to 10,000 points, else 200).</summary>
    public int? EpochCount { get; init; }

    /// <summary>Initial SGD learning rate (decays linearly to 0).</summary>
    public float LearningRate { get; init; } = 1f;

    /// <summary>Negative samples per positive sample.</summary>
    public int NegativeSampleRate { get; init; } = 5;

    /// <summary>Weight of negative samples (umap-learn's repulsion_strength, γ).</summary>
    public float RepulsionStrength { get; init; } = 1f;

    /// <summary>1 = fuzzy union of the directed kNN memberships, 0 = fuzzy intersection.</summary>
    public float SetOpMixRatio { get; init; } = 1f;

    /// <summary>Number of nearest neighbours assumed locally connected (membership 1).</summary>
    public float LocalConnectivity { get; init; } = 1f;

    /// <summary>Input-space distance.</summary>
    public UmapMetric Metric { get; init; } = UmapMetric.Euclidean;

    /// <summary>Starting layout.</summary>
    public UmapInitialization Initialization { get; init; } = UmapInitialization.Spectral;

    /// <summary>Seed of every random choice; the same seed and data give bit-identical embeddings.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Curve parameter a; null fits it from <see cref="MinDist"/> and <see cref="Spread"/>.</summary>
    public float? A { get; init; }

    /// <summary>Curve parameter b; null fits it from <see cref="MinDist"/> and <see cref="Spread"/>.</summary>
    public float? B { get; init; }

    /// <summary>
    /// Up to this many points the kNN graph is exact (brute force, faster than NN-descent at this size); above it,
    /// NN-descent (Dong et al. 2011).
    /// </summary>
    public int ExactNeighborThreshold { get; init; } = 4096;

    /// <summary>Threads for kNN search; null uses every core. The result does not depend on it.</summary>
    public int? MaxDegreeOfParallelism { get; init; }
}
