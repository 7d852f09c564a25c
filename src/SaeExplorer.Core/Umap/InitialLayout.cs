namespace SaeExplorer.Core.Umap;

/// <summary>Starting layouts (umap-learn's spectral_layout / multi_component_layout, PCA, random), before scaling.</summary>
internal static class InitialLayout
{
    /// <summary>
    /// Spectral layout. A connected graph gets the normalized-Laplacian eigenvectors 2..dim+1. A disconnected one is laid
    /// out as umap-learn does: components placed on ±unit axes (up to 2·dim components) or, beyond that, at the PCA of
    /// their centroids (umap-learn embeds the centroids spectrally instead), each laid out spectrally within half the
    /// distance to the nearest other component; components too small for that are placed uniformly at random.
    /// </summary>
    public static double[][] Spectral(SparseGraph graph, PointSet points, int dim, UmapRandom random)
    {
        var (labels, components) = graph.ConnectedComponents();
        if (components == 1)
            return ComponentSpectral(graph, dim, random);

        double[][] meta;
        if (components <= 2 * dim)
        {
            int half = (components + 1) / 2;
            meta = new double[components][];
            for (int c = 0; c < components; c++)
            {
                meta[c] = new double[dim];
                meta[c][c % half] = c < half ? 1 : -1;
            }
        }
        else
        {
            meta = CentroidPca(points, labels, components, dim, random);
        }

        var result = new double[graph.Count][];
        for (int c = 0; c < components; c++)
        {
            var members = Enumerable.Range(0, graph.Count).Where(i => labels[i] == c).ToArray();
            double nearest = double.PositiveInfinity;
            for (int other = 0; other < components; other++)
            {
                double d = Math.Sqrt(meta[c].Zip(meta[other], (x, y) => (x - y) * (x - y)).Sum());
                if (d > 0)
                    nearest = Math.Min(nearest, d);
            }
            double dataRange = double.IsPositiveInfinity(nearest) ? 1 : nearest / 2;
            double[][]? layout = null;
            if (members.Length >= 2 * dim && members.Length > dim + 1)
            {
                layout = ComponentSpectral(graph.Subgraph(members), dim, random);
                double maxAbs = layout.Max(row => row.Max(Math.Abs));
                if (maxAbs > 0 && double.IsFinite(maxAbs))
                {
                    foreach (var row in layout)
                        for (int d = 0; d < dim; d++)
                            row[d] *= dataRange / maxAbs;
                }
                else
                {
                    layout = null;
                }
            }
            for (int m = 0; m < members.Length; m++)
            {
                var point = new double[dim];
                for (int d = 0; d < dim; d++)
                {
                    double offset = layout is not null ? layout[m][d] : (random.NextDouble() * 2 - 1) * dataRange;
                    point[d] = offset + meta[c][d];
                }
                result[members[m]] = point;
            }
        }
        return result;
    }

    private static double[][] ComponentSpectral(SparseGraph graph, int dim, UmapRandom random)
    {
        int n = graph.Count;
        var invSqrtDegree = new double[n];
        var trivial = new double[n];
        for (int i = 0; i < n; i++)
        {
            double degree = 0;
            for (int e = graph.RowStarts[i]; e < graph.RowStarts[i + 1]; e++)
                degree += graph.Weights[e];
            invSqrtDegree[i] = degree > 0 ? 1 / Math.Sqrt(degree) : 0;
            trivial[i] = Math.Sqrt(degree);
        }
        double norm = Math.Sqrt(SubspaceEigenSolver.Dot(trivial, trivial));
        for (int i = 0; i < n; i++)
            trivial[i] /= norm;

        // The smallest Laplacian eigenvalues of L = I − D^-½WD^-½ are the largest of (I + D^-½WD^-½)/2, whose spectrum
        // lies in [0, 1], so iterating it converges to them; the trivial eigenvector √degree is projected out.
        void Apply(double[][] v, double[][] w)
        {
            for (int k = 0; k < v.Length; k++)
            {
                var x = v[k];
                var y = w[k];
                for (int i = 0; i < n; i++)
                {
                    double sum = 0;
                    for (int e = graph.RowStarts[i]; e < graph.RowStarts[i + 1]; e++)
                        sum += graph.Weights[e] * invSqrtDegree[graph.Columns[e]] * x[graph.Columns[e]];
                    y[i] = 0.5 * (x[i] + invSqrtDegree[i] * sum);
                }
            }
        }

        // A rough subspace is enough to seed SGD, so iterations are capped rather than run to eigsh's tolerance.
        var (_, vectors) = SubspaceEigenSolver.Largest(n, dim, Apply, [trivial], random, maxIterations: 300);
        return Transpose(vectors, n, dim);
    }

    /// <summary>Top principal components of the data (implicitly centred).</summary>
    public static double[][] Pca(PointSet points, int dim, UmapRandom random)
    {
        var means = points.ColumnMeans();
        var (_, directions) = SubspaceEigenSolver.Largest(points.Dimension, dim,
            (v, w) => points.CovarianceTimes(v, w, means), [], random, maxIterations: 200);
        var coordinates = new double[dim][];
        for (int k = 0; k < dim; k++)
            coordinates[k] = points.Project(directions[k], means);
        return Transpose(coordinates, points.Count, dim);
    }

    private static double[][] CentroidPca(PointSet points, int[] labels, int components, int dim, UmapRandom random)
    {
        var groups = new List<int>[components];
        for (int c = 0; c < components; c++)
            groups[c] = [];
        for (int i = 0; i < labels.Length; i++)
            groups[labels[i]].Add(i);
        var centroids = groups.Select(points.Centroid).ToArray();
        var centroidSet = points.IsSparse
            ? PointSet.FromSparse(centroids.Select(c => c.Sparse!).ToArray())
            : PointSet.FromDense(centroids.Select(c => c.Dense!).ToArray());
        var meta = Pca(centroidSet, dim, random);
        double maxAbs = meta.Max(row => row.Max(Math.Abs));
        if (maxAbs > 0)
        {
            foreach (var row in meta)
                for (int d = 0; d < dim; d++)
                    row[d] /= maxAbs;
        }
        return meta;
    }

    public static double[][] Uniform(int n, int dim, UmapRandom random)
    {
        var result = new double[n][];
        for (int i = 0; i < n; i++)
        {
            result[i] = new double[dim];
            for (int d = 0; d < dim; d++)
                result[i][d] = random.NextDouble() * 20 - 10;
        }
        return result;
    }

    private static double[][] Transpose(double[][] columns, int n, int dim)
    {
        var rows = new double[n][];
        for (int i = 0; i < n; i++)
        {
            rows[i] = new double[dim];
            for (int d = 0; d < dim; d++)
                rows[i][d] = columns[d][i];
        }
        return rows;
    }
}
