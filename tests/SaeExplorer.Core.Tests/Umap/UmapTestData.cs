using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Tests.Umap;

/// <summary>Helpers for the UMAP tests; the seeded clusters themselves come from <c>SyntheticClusters</c> (tests/Shared).</summary>
internal static class UmapTestData
{
    public static float[] Densify(SparseVector v)
    {
        var dense = new float[v.FeatureCount];
        for (int k = 0; k < v.Indices.Length; k++)
            dense[v.Indices[k]] = v.Values[k];
        return dense;
    }
}
