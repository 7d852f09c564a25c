namespace SaeExplorer.Core.Umap;

/// <summary>
/// Leading eigenpairs of a symmetric positive semi-definite operator given only as a block mat-vec: subspace
/// iteration with Rayleigh–Ritz (the oldest of the Krylov-free methods; slow when eigenvalues cluster, but the layouts
/// it seeds only need a rough subspace, and every step is a cheap sparse or SIMD product).
/// </summary>
internal static class SubspaceEigenSolver
{
    /// <summary>
    /// The <paramref name="count"/> eigenvectors with the largest eigenvalues, orthogonal to <paramref name="deflate"/>
    /// (orthonormal vectors already known, e.g. the trivial Laplacian eigenvector), sorted by decreasing eigenvalue.
    /// </summary>
    public static (double[] Values, double[][] Vectors) Largest(
        int n, int count, Action<double[][], double[][]> apply, double[][] deflate, UmapRandom random,
        int maxIterations = 300, double tolerance = 1e-4)
    {
        int block = Math.Min(n - deflate.Length, count + 4);
        if (block < count)
            throw new InvalidOperationException($"cannot find {count} eigenvectors in a space of dimension {n - deflate.Length}");
        var v = new double[block][];
        for (int k = 0; k < block; k++)
        {
            v[k] = new double[n];
            for (int i = 0; i < n; i++)
                v[k][i] = random.NextGaussian();
        }
        Orthonormalize(v, deflate, random);
        var w = new double[block][];
        for (int k = 0; k < block; k++)
            w[k] = new double[n];

        double[] theta = [];
        double[][] ritz = v;
        for (int iteration = 0; iteration < maxIterations; iteration++)
        {
            apply(v, w);
            var h = new double[block, block];
            for (int a = 0; a < block; a++)
            {
                for (int b = a; b < block; b++)
                {
                    double dot = Dot(v[a], w[b]);
                    double dotT = Dot(v[b], w[a]);
                    h[a, b] = h[b, a] = 0.5 * (dot + dotT);
                }
            }
            var (values, q) = SymmetricJacobi(h);
            ritz = Combine(v, q);
            var image = Combine(w, q);
            theta = values;
            double worst = 0;
            for (int k = 0; k < count; k++)
            {
                double r = 0;
                for (int i = 0; i < n; i++)
                {
                    double e = image[k][i] - values[k] * ritz[k][i];
                    r += e * e;
                }
                worst = Math.Max(worst, Math.Sqrt(r));
            }
            // Relative to the largest Ritz value so the test means the same for a Laplacian (λ ≤ 1) and a covariance.
            if (worst < tolerance * Math.Max(Math.Abs(values[0]), 1e-300))
                break;
            v = image;
            Orthonormalize(v, deflate, random);
        }
        return (theta[..count], ritz[..count]);
    }

    private static double[][] Combine(double[][] basis, double[,] q)
    {
        int block = basis.Length, n = basis[0].Length;
        var result = new double[block][];
        for (int k = 0; k < block; k++)
        {
            var r = new double[n];
            for (int j = 0; j < block; j++)
            {
                double c = q[j, k];
                var b = basis[j];
                for (int i = 0; i < n; i++)
                    r[i] += c * b[i];
            }
            result[k] = r;
        }
        return result;
    }

    internal static double Dot(double[] x, double[] y)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++)
            s += x[i] * y[i];
        return s;
    }

    /// <summary>Modified Gram–Schmidt, twice (the second pass repairs the orthogonality the first loses); a vector that vanishes is replaced by a random one.</summary>
    internal static void Orthonormalize(double[][] v, double[][] deflate, UmapRandom random)
    {
        for (int k = 0; k < v.Length; k++)
        {
            for (int attempt = 0; ; attempt++)
            {
                double before = Math.Sqrt(Dot(v[k], v[k]));
                for (int pass = 0; pass < 2; pass++)
                {
                    foreach (var d in deflate)
                        Subtract(v[k], d, Dot(v[k], d));
                    for (int j = 0; j < k; j++)
                        Subtract(v[k], v[j], Dot(v[k], v[j]));
                }
                double norm = Math.Sqrt(Dot(v[k], v[k]));
                if (norm > 1e-10 * Math.Max(before, 1e-300) && norm > 0)
                {
                    for (int i = 0; i < v[k].Length; i++)
                        v[k][i] /= norm;
                    break;
                }
                if (attempt > 5)
                    throw new InvalidOperationException("could not orthonormalize the eigen-solver's basis");
                for (int i = 0; i < v[k].Length; i++)
                    v[k][i] = random.NextGaussian();
            }
        }
    }

    private static void Subtract(double[] x, double[] y, double c)
    {
        for (int i = 0; i < x.Length; i++)
            x[i] -= c * y[i];
    }

    /// <summary>Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations; values descending, vectors in columns.</summary>
    internal static (double[] Values, double[,] Vectors) SymmetricJacobi(double[,] matrix)
    {
        int n = matrix.GetLength(0);
        var a = (double[,])matrix.Clone();
        var v = new double[n, n];
        for (int i = 0; i < n; i++)
            v[i, i] = 1;
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++)
                    off += a[p, q] * a[p, q];
            if (off < 1e-30)
                break;
            for (int p = 0; p < n; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    if (Math.Abs(a[p, q]) < 1e-300)
                        continue;
                    double tau = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                    double t = Math.Sign(tau) / (Math.Abs(tau) + Math.Sqrt(1 + tau * tau));
                    if (tau == 0)
                        t = 1;
                    double c = 1 / Math.Sqrt(1 + t * t), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k, p], akq = a[k, q];
                        a[k, p] = c * akp - s * akq;
                        a[k, q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p, k], aqk = a[q, k];
                        a[p, k] = c * apk - s * aqk;
                        a[q, k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double vkp = v[k, p], vkq = v[k, q];
                        v[k, p] = c * vkp - s * vkq;
                        v[k, q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        var order = Enumerable.Range(0, n).OrderByDescending(i => a[i, i]).ToArray();
        var values = new double[n];
        var vectors = new double[n, n];
        for (int k = 0; k < n; k++)
        {
            values[k] = a[order[k], order[k]];
            for (int i = 0; i < n; i++)
                vectors[i, k] = v[i, order[k]];
        }
        return (values, vectors);
    }
}
