using SaeExplorer.Core.Features;
using SaeExplorer.Tests;

namespace SaeExplorer.Bench;

/// <summary>A generated dataset: the points (dense or sparse), their cluster labels and the metric to use.</summary>
internal sealed record BenchDataset(string Name, string Description, float[][]? Dense, SparseVector[]? Sparse, int[] Labels,
    int Dimension, string Metric)
{
    public int Count => Labels.Length;
}

/// <summary>Seeded synthetic datasets with known cluster labels (the clusters from the tests' SyntheticClusters).</summary>
internal static class BenchData
{
    /// <summary>
    /// SAE-like pooled features: each cluster (a "prompt style") owns <paramref name="signature"/> latents, each fired by a
    /// member with probability 0.7 at log-normal strength, plus <paramref name="background"/> random weaker latents per point.
    /// </summary>
    public static BenchDataset SparseSaeClusters(int clusters, int perCluster, int featureCount, int signature, int background, int seed)
    {
        var (points, labels) = SyntheticClusters.SparseClusters(clusters, perCluster, featureCount, signature, background, seed);
        double meanActive = points.Average(p => p.ActiveCount);
        return new BenchDataset($"sae-sparse-{points.Length}x{featureCount}",
            $"{clusters} SAE-like sparse clusters, {perCluster} points each, {featureCount:N0} latents, mean {meanActive:F0} active; cosine",
            null, points, labels, featureCount, "cosine");
    }

    /// <summary>Isotropic Gaussian clusters: centres N(0, centreScale²·I), points centre + N(0, I).</summary>
    public static BenchDataset GaussianClusters(int clusters, int perCluster, int dim, double centreScale, int seed)
    {
        var (points, labels) = SyntheticClusters.GaussianClusters(clusters, perCluster, dim, centreScale, seed);
        return new BenchDataset($"dense-gaussian-{points.Length}x{dim}",
            $"{clusters} isotropic Gaussian clusters, {perCluster} points each, centre scale {centreScale}; Euclidean",
            points, null, labels, dim, "euclidean");
    }

    /// <summary>
    /// Activation-like clusters with low intrinsic dimension: centre N(0, I) + W_c·z with z ~ N(0, I_latent) and W_c a
    /// per-cluster random [dim × latent] basis (entries N(0, 0.3²)), plus N(0, 0.3²) isotropic noise. Residual-stream
    /// activations are similar: a few directions carry most of the variance within a context.
    /// </summary>
    public static BenchDataset LowRankClusters(int clusters, int count, int dim, int latent, int seed)
    {
        var random = new Random(seed);
        var centres = new float[clusters][];
        var bases = new float[clusters][][];
        for (int c = 0; c < clusters; c++)
        {
            centres[c] = Enumerable.Range(0, dim).Select(_ => (float)Gaussian(random)).ToArray();
            bases[c] = Enumerable.Range(0, latent)
                .Select(_ => Enumerable.Range(0, dim).Select(_ => (float)(0.3 * Gaussian(random))).ToArray()).ToArray();
        }
        var points = new float[count][];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int c = i % clusters;
            labels[i] = c;
            var row = new float[dim];
            for (int d = 0; d < dim; d++)
                row[d] = centres[c][d] + (float)(0.3 * Gaussian(random));
            for (int l = 0; l < latent; l++)
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(bases[c][l], (float)Gaussian(random), row, row);
            points[i] = row;
        }
        return new BenchDataset($"dense-lowrank-{count}x{dim}",
            $"{clusters} clusters of rank-{latent} Gaussians (+ isotropic noise) in {dim:N0} dimensions, {count / clusters} points each; Euclidean",
            points, null, labels, dim, "euclidean");
    }

    /// <summary>The bench exchange format read by bench/umap-js/run-umap.js (see its header).</summary>
    /// <summary>A `saex run`'s pooled SAE features (sparse, cosine) or raw activations (dense, Euclidean), labelled by condition.</summary>
    public static BenchDataset FromRun(string runDir, int layer, bool features)
    {
        string file = Path.Combine(runDir, features ? $"features_layer{layer}.pt" : $"activations_layer{layer}.pt");
        var root = (Dictionary<object, object?>)SaeExplorer.Inference.Saes.Formats.TorchCheckpointReader.Load(file)!;
        try
        {
            var matrix = (TorchSharp.torch.Tensor)root[features ? "features" : "activations"]!;
            long n = matrix.shape[0], d = matrix.shape[1];
            var values = matrix.data<float>().ToArray();
            var conditions = ((List<object?>)root["conditions"]!).Cast<string>().ToArray();
            var names = conditions.Distinct().ToList();
            var labels = conditions.Select(c => names.IndexOf(c)).ToArray();
            var rows = Enumerable.Range(0, (int)n).Select(i => values.AsSpan((int)(i * d), (int)d).ToArray()).ToArray();
            string kind = features ? "SAE features" : "raw activations";
            string description = $"the {n} prompts of {Path.GetFullPath(runDir)}: pooled {kind} at layer {layer}, labelled by condition ({string.Join(", ", names)})";
            if (!features)
                return new BenchDataset($"run-activations-{n}x{d}", description, rows, null, labels, (int)d, "euclidean");
            var sparse = rows.Select(r =>
            {
                var idx = Enumerable.Range(0, r.Length).Where(k => r[k] != 0).ToArray();
                return new SparseVector(r.Length, idx, idx.Select(k => r[k]).ToArray());
            }).ToArray();
            return new BenchDataset($"run-features-{n}x{d}", description, null, sparse, labels, (int)d, "cosine");
        }
        finally
        {
            SaeExplorer.Inference.Saes.Formats.TorchCheckpointReader.DisposeTensors(root);
        }
    }

    public static void Write(BenchDataset data, string path)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write("SXU1"u8);
        writer.Write(data.Sparse is null ? 0 : 1);
        writer.Write(data.Count);
        writer.Write(data.Dimension);
        if (data.Dense is { } dense)
        {
            foreach (var row in dense)
                writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(row.AsSpan()));
            return;
        }
        var sparse = data.Sparse!;
        writer.Write(sparse.Sum(v => v.ActiveCount));
        int start = 0;
        writer.Write(start);
        foreach (var v in sparse)
            writer.Write(start += v.ActiveCount);
        foreach (var v in sparse)
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.Indices.AsSpan()));
        foreach (var v in sparse)
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.Values.AsSpan()));
    }

    private static double Gaussian(Random random) => SyntheticClusters.Gaussian(random);
}
