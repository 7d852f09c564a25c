using System.Runtime.CompilerServices;

namespace SaeExplorer.Core.Analysis.Quality;

/// <summary>
/// Dense symmetric positive-definite solves for the Newton steps of <see cref="LogisticRegression"/>: the systems are
/// tiny (one unknown per condition plus a few covariates), so a plain Cholesky factorisation is all that is needed.
/// </summary>
public static class LinearSystem
{
    /// <summary>
    /// A pivot of the Cholesky factor below this fraction of its matrix diagonal entry means the column is, to rounding,
    /// a combination of the earlier ones: the matrix is singular rather than merely badly scaled.
    /// </summary>
    public const double RelativePivotTolerance = 1e-13;

    /// <summary>
    /// Solves A·x = b for a symmetric positive-definite A (only its lower triangle is read) by Cholesky factorisation
    /// A = L·Lᵀ. Returns false, leaving <paramref name="x"/> unspecified, when A is not positive definite to rounding
    /// (a pivot ≤ <see cref="RelativePivotTolerance"/> times its diagonal entry).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TrySolveSymmetricPositiveDefinite(double[,] a, ReadOnlySpan<double> b, Span<double> x)
    {
        int n = a.GetLength(0);
        if (a.GetLength(1) != n || b.Length != n || x.Length != n)
            throw new ArgumentException($"need a square matrix and vectors of its size; got {a.GetLength(0)}×{a.GetLength(1)}, {b.Length}, {x.Length}.");
        var l = new double[n, n];
        for (int j = 0; j < n; j++)
        {
            double pivot = a[j, j];
            for (int k = 0; k < j; k++)
                pivot -= l[j, k] * l[j, k];
            if (!(pivot > RelativePivotTolerance * Math.Abs(a[j, j])) || !double.IsFinite(pivot))
                return false;
            double diagonal = Math.Sqrt(pivot);
            l[j, j] = diagonal;
            for (int i = j + 1; i < n; i++)
            {
                double s = a[i, j];
                for (int k = 0; k < j; k++)
                    s -= l[i, k] * l[j, k];
                l[i, j] = s / diagonal;
            }
        }
        // Forward substitution L·z = b, then back substitution Lᵀ·x = z, in place in x.
        for (int i = 0; i < n; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++)
                s -= l[i, k] * x[k];
            x[i] = s / l[i, i];
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double s = x[i];
            for (int k = i + 1; k < n; k++)
                s -= l[k, i] * x[k];
            x[i] = s / l[i, i];
        }
        return true;
    }
}
