using SaeExplorer.Core.Features;

namespace SaeExplorer.Tests;

/// <summary>
/// Seeded synthetic data with known cluster labels, shared by the UMAP tests and the UMAP benchmark (which links this
/// file) so that both measure on the same generator.
/// </summary>
internal static class SyntheticClusters
{
    /// <summary>clusters × perCluster points in dim dimensions: centres N(0, separation²·I), points centre + N(0, I).</summary>
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
    /// SAE-like pooled features: every cluster (a "prompt style") owns signatureSize latents, each fired by a member with
    /// probability 0.7 at log-normal strength, plus backgroundCount random weaker latents per point.
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

    /// <summary>A standard normal draw (Box–Muller).</summary>
    public static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
