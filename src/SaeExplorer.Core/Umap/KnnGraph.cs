namespace SaeExplorer.Core.Umap;

/// <summary>
/// The k-nearest-neighbour graph UMAP builds on: for every point its <see cref="NeighborCount"/> nearest points,
/// itself first (distance 0, umap-learn's convention), then by increasing distance (ties by index).
/// </summary>
public sealed class KnnGraph
{
    internal KnnGraph(int count, int neighborCount, int[] indices, float[] distances, bool isExact)
    {
        Count = count;
        NeighborCount = neighborCount;
        Indices = indices;
        Distances = distances;
        IsExact = isExact;
    }

    /// <summary>Number of points.</summary>
    public int Count { get; }

    /// <summary>Neighbours per point, the point itself included.</summary>
    public int NeighborCount { get; }

    /// <summary>Row-major [Count × NeighborCount] neighbour indices.</summary>
    public int[] Indices { get; }

    /// <summary>Row-major [Count × NeighborCount] distances matching <see cref="Indices"/>.</summary>
    public float[] Distances { get; }

    /// <summary>True for brute force, false for NN-descent (approximate).</summary>
    public bool IsExact { get; }

    /// <summary>Neighbour indices of point i.</summary>
    public ReadOnlySpan<int> NeighborsOf(int i) => Indices.AsSpan(i * NeighborCount, NeighborCount);

    /// <summary>Neighbour distances of point i.</summary>
    public ReadOnlySpan<float> DistancesOf(int i) => Distances.AsSpan(i * NeighborCount, NeighborCount);
}
