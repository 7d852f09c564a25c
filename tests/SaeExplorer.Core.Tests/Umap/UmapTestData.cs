using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Tests.Umap;

/// <summary>Seeded synthetic data: Gaussian clusters (dense) and SAE-like sparse clusters with known labels.</summary>
internal static class UmapTestData
{
    /// <summary>clusters × perCluster points in dim dimensions: centres N(0, separation²), points centre + N(0, 1).</summary>
    public static (float[][] Points, int[] Labels) GaussianClusters(int clusters, int perCluster, int dim, double separation, int seed)
    {
        var random = new Random(seed);
        var centres = new double[clusters][];
        for (int c = 0; c < clusters; c++)
            centres[c] = Enumerable.Range(0, dim).Select(_ => separation * Gaussian(random)).ToArray();
        var points = new float[clusters * perCluster][];
        var labels = new int[points.Length];
        for (int i = 0; i < points.Length; i++)
        {
            int c = i % clusters;
            labels[i] = c;
            points[i] = Enumerable.Range(0, dim).Select(d => (float)(centres[c][d] + Gaussian(random))).ToArray();
        }
        return (points, labels);
    }

    /// <summary>
    /// SAE-like sparse clusters: every cluster owns signatureSize latents, each fired by a member with probability 0.7
    /// (log-normal magnitudes), plus backgroundCount random latents per point.
    /// </summary>
    public static (SparseVector[] Points, int[] Labels) SparseClusters(int clusters, int perCluster, int featureCount,
        int signatureSize, int backgroundCount, int seed)
    {
        var random = new Random(seed);
        var signatures = Enumerable.Range(0, clusters)
            .Select(_ => Enumerable.Range(0, signatureSize).Select(_ => random.Next(featureCount)).Distinct().ToArray()).ToArray();
        var points = new SparseVector[clusters * perCluster];
        var labels = new int[points.Length];
        for (int i = 0; i < points.Length; i++)
        {
            int c = i % clusters;
            labels[i] = c;
            var active = new SortedDictionary<int, float>();
            foreach (int f in signatures[c])
            {
                if (random.NextDouble() < 0.7)
                    active[f] = (float)Math.Exp(0.5 * Gaussian(random));
            }
            for (int b = 0; b < backgroundCount; b++)
                active[random.Next(featureCount)] = (float)Math.Exp(0.5 * Gaussian(random)) * 0.5f;
            points[i] = new SparseVector(featureCount, [.. active.Keys], [.. active.Values]);
        }
        return (points, labels);
    }

    public static float[] Densify(SparseVector v)
    {
        var dense = new float[v.FeatureCount];
        for (int k = 0; k < v.Indices.Length; k++)
            dense[v.Indices[k]] = v.Values[k];
        return dense;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
