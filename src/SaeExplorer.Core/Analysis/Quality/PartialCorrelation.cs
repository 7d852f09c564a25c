using System.Runtime.CompilerServices;
using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Analysis.Quality;

/// <summary>
/// Partial correlation of x and y given covariates z₁ … z_k: the correlation of what is left of x and of y after the
/// least-squares fit of each on [1, z₁, …, z_k] — how x and y go together among answers of equal z (e.g. prompt
/// features and quality at equal answer length). The Spearman version does the same on mid-ranks of every variable.
/// The fit projects on an orthonormal basis of the centred covariates (modified Gram–Schmidt, twice), which is better
/// conditioned than the normal equations and needs no special case for a constant or duplicated covariate: such a
/// column adds nothing to the basis, exactly as it adds nothing to the fit. The estimate is NaN when x or y is
/// explained entirely by the covariates (nothing is left to correlate); resamples where that happens are dropped
/// from the interval.
/// </summary>
public static class PartialCorrelation
{
    /// <summary>
    /// A residual whose norm is below this fraction of the variable's centred norm is taken as zero: the variable is a
    /// linear function of the covariates, up to rounding. Likewise for a covariate column that the earlier ones explain.
    /// </summary>
    public const double RelativeResidualTolerance = 1e-10;

    /// <summary>Pearson partial correlation of x and y given <paramref name="covariates"/> (columns of the same length).</summary>
    public static double Pearson(ReadOnlySpan<double> x, ReadOnlySpan<double> y, IReadOnlyList<double[]> covariates)
    {
        Check(x, y, covariates);
        return Core(x, y, covariates);
    }

    /// <summary>Spearman partial correlation: <see cref="Pearson"/> on the mid-ranks of x, y and each covariate.</summary>
    public static double Spearman(ReadOnlySpan<double> x, ReadOnlySpan<double> y, IReadOnlyList<double[]> covariates)
    {
        Check(x, y, covariates);
        return Core(Correlation.Ranks(x), Correlation.Ranks(y), covariates.Select(c => Correlation.Ranks(c)).ToArray());
    }

    /// <summary>The Pearson partial correlation and its percentile-bootstrap interval over resamples of the rows.</summary>
    public static ConfidenceInterval PearsonInterval(ReadOnlySpan<double> x, ReadOnlySpan<double> y, IReadOnlyList<double[]> covariates,
        int resamples = Correlation.DefaultResamples, ulong seed = 0, double level = 0.95) =>
        Interval(x, y, covariates, resamples, seed, level, ranked: false);

    /// <summary>The Spearman partial correlation and its interval; each resample is ranked afresh.</summary>
    public static ConfidenceInterval SpearmanInterval(ReadOnlySpan<double> x, ReadOnlySpan<double> y, IReadOnlyList<double[]> covariates,
        int resamples = Correlation.DefaultResamples, ulong seed = 0, double level = 0.95) =>
        Interval(x, y, covariates, resamples, seed, level, ranked: true);

    private static void Check(ReadOnlySpan<double> x, ReadOnlySpan<double> y, IReadOnlyList<double[]> covariates)
    {
        ArgumentNullException.ThrowIfNull(covariates);
        Correlation.Check(x, y);
        if (covariates.Count == 0)
            throw new ArgumentException("give at least one covariate; without any this is Correlation.Pearson.", nameof(covariates));
        // The residuals have n − 1 − k degrees of freedom; with fewer than two they correlate ±1 or not at all.
        int needed = covariates.Count + Correlation.MinimumPairs;
        if (x.Length < needed)
            throw new ArgumentException($"a partial correlation on {covariates.Count} covariate(s) needs at least {needed} rows; got {x.Length}.");
        for (int c = 0; c < covariates.Count; c++)
        {
            var column = covariates[c] ?? throw new ArgumentNullException(nameof(covariates), $"covariate {c} is null.");
            if (column.Length != x.Length)
                throw new ArgumentException($"covariate {c} has {column.Length} values for {x.Length} rows.", nameof(covariates));
            foreach (var v in column)
            {
                if (!double.IsFinite(v))
                    throw new ArgumentException($"covariate {c} contains NaN or infinity.", nameof(covariates));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Core(ReadOnlySpan<double> x, ReadOnlySpan<double> y, IReadOnlyList<double[]> covariates)
    {
        var basis = OrthonormalBasis(covariates);
        var rx = Residual(x, basis);
        var ry = Residual(y, basis);
        if (rx is null || ry is null)
            return double.NaN;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < rx.Length; i++)
        {
            sxy += rx[i] * ry[i];
            sxx += rx[i] * rx[i];
            syy += ry[i] * ry[i];
        }
        return Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1.0, 1.0);
    }

    // Orthonormal vectors spanning the centred covariates (centring stands in for the intercept column); columns that
    // the earlier ones explain are left out.
    private static List<double[]> OrthonormalBasis(IReadOnlyList<double[]> covariates)
    {
        var basis = new List<double[]>(covariates.Count);
        foreach (var column in covariates)
        {
            var v = Centred(column);
            double original = Norm(v);
            if (original == 0)
                continue;
            Orthogonalise(v, basis);
            double remaining = Norm(v);
            if (remaining <= RelativeResidualTolerance * original)
                continue;
            for (int i = 0; i < v.Length; i++)
                v[i] /= remaining;
            basis.Add(v);
        }
        return basis;
    }

    // x centred and with its projection on the basis removed; null when nothing is left of it (x constant or explained).
    private static double[]? Residual(ReadOnlySpan<double> x, List<double[]> basis)
    {
        if (Correlation.IsConstant(x))
            return null;
        var v = Centred(x);
        double original = Norm(v);
        Orthogonalise(v, basis);
        return Norm(v) <= RelativeResidualTolerance * original ? null : v;
    }

    // Modified Gram–Schmidt run twice ("twice is enough", Giraud et al. 2005): one pass leaves components of size
    // ε·cond along the basis, which would leak into a residual correlation that is itself near zero.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Orthogonalise(double[] v, List<double[]> basis)
    {
        for (int pass = 0; pass < 2; pass++)
        {
            foreach (var q in basis)
            {
                double dot = 0;
                for (int i = 0; i < v.Length; i++)
                    dot += q[i] * v[i];
                for (int i = 0; i < v.Length; i++)
                    v[i] -= dot * q[i];
            }
        }
    }

    private static double[] Centred(ReadOnlySpan<double> values)
    {
        double mean = 0;
        foreach (var v in values)
            mean += v;
        mean /= values.Length;
        var centred = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
            centred[i] = values[i] - mean;
        return centred;
    }

    private static double Norm(double[] v)
    {
        double s = 0;
        foreach (var e in v)
            s += e * e;
        return Math.Sqrt(s);
    }

    private static ConfidenceInterval Interval(ReadOnlySpan<double> x, ReadOnlySpan<double> y, IReadOnlyList<double[]> covariates,
        int resamples, ulong seed, double level, bool ranked)
    {
        Check(x, y, covariates);
        PercentileInterval.CheckArguments(resamples, level);
        double estimate = ranked ? Spearman(x, y, covariates) : Core(x, y, covariates);
        if (double.IsNaN(estimate))
            return PercentileInterval.Undefined(level, seed);
        int n = x.Length;
        var rng = new IndexResampler(seed);
        var indices = new int[n];
        double[] xs = new double[n], ys = new double[n];
        var zs = covariates.Select(_ => new double[n]).ToArray();
        var statistics = new List<double>(resamples);
        for (int r = 0; r < resamples; r++)
        {
            rng.Draw(indices, n);
            for (int i = 0; i < n; i++)
            {
                xs[i] = x[indices[i]];
                ys[i] = y[indices[i]];
                for (int c = 0; c < zs.Length; c++)
                    zs[c][i] = covariates[c][indices[i]];
            }
            statistics.Add(ranked
                ? Core(Correlation.Ranks(xs), Correlation.Ranks(ys), zs.Select(z => Correlation.Ranks(z)).ToArray())
                : Core(xs, ys, zs));
        }
        return PercentileInterval.From(estimate, statistics, level, seed);
    }
}
