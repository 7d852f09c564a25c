using System.Runtime.CompilerServices;

namespace SaeExplorer.Core.Analysis.Statistics;

/// <summary>
/// Fisher's exact test on a 2×2 table [[a, b], [c, d]] (rows: the two groups; columns: e.g. active / inactive).
/// Conditional on the margins, the top-left cell is hypergeometric. The two-sided p-value sums the probabilities of
/// every table no more likely than the observed one, with R's relative tolerance of 1e-7 so tables equally likely up
/// to rounding count as equally likely (the convention of R's <c>fisher.test</c> and SciPy's <c>fisher_exact</c>).
/// </summary>
/// <remarks>
/// Built for one grand total N and reused across many tables (one per SAE latent): log-factorials 0..N are computed
/// once, so each table costs one pass over its support with one <c>exp</c> per point.
/// </remarks>
public sealed class FisherExact
{
    private const double RelativeTolerance = 1 + 1e-7;
    private readonly double[] _logFactorial;

    /// <param name="maxTotal">The largest grand total a + b + c + d that will be tested.</param>
    public FisherExact(int maxTotal)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTotal);
        _logFactorial = new double[maxTotal + 1];
        // Summing logs keeps ~1e-13 relative accuracy up to N in the millions, far beyond prompt counts; lgamma is
        // not in .NET.
        for (int i = 2; i <= maxTotal; i++)
            _logFactorial[i] = _logFactorial[i - 1] + Math.Log(i);
    }

    public double LogFactorial(int n) => _logFactorial[n];

    /// <summary>Two-sided p-value of the table [[a, b], [c, d]].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double TwoSidedP(int a, int b, int c, int d)
    {
        if (a < 0 || b < 0 || c < 0 || d < 0)
            throw new ArgumentOutOfRangeException(nameof(a), "table cells must be non-negative.");
        int n = a + b + c + d;
        if (n >= _logFactorial.Length)
            throw new ArgumentOutOfRangeException(nameof(a), $"table total {n} exceeds the {_logFactorial.Length - 1} this instance was built for.");
        int row1 = a + b;
        int col1 = a + c;
        int lo = Math.Max(0, row1 + col1 - n);
        int hi = Math.Min(row1, col1);
        if (lo == hi)
            return 1.0;
        // P(x) = C(row1, x) · C(n − row1, col1 − x) / C(n, col1); the factorials that do not depend on x are hoisted.
        double constant = _logFactorial[row1] + _logFactorial[n - row1] + _logFactorial[col1] + _logFactorial[n - col1] - _logFactorial[n];
        double observed = LogPoint(a, row1, col1, n, constant);
        double limit = observed + Math.Log(RelativeTolerance);
        // Normalised by the whole support, as R does: when no table is excluded p is exactly 1 rather than 1 ± rounding,
        // so latents that differ in nothing do not get ordered by rounding noise.
        double included = 0;
        double excluded = 0;
        for (int x = lo; x <= hi; x++)
        {
            double lp = LogPoint(x, row1, col1, n, constant);
            if (lp <= limit)
                included += Math.Exp(lp);
            else
                excluded += Math.Exp(lp);
        }
        return included / (included + excluded);
    }

    private double LogPoint(int x, int row1, int col1, int n, double constant) =>
        constant - _logFactorial[x] - _logFactorial[row1 - x] - _logFactorial[col1 - x] - _logFactorial[n - row1 - col1 + x];
}
