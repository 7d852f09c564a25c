using System.Runtime.CompilerServices;

namespace SaeExplorer.Core.Analysis.Statistics;

/// <summary>
/// Tail probabilities of the standard normal distribution. .NET has no erf/erfc, and the p-values of rank tests live
/// far in the tail (z = 8 gives 1e-15), where 1 − Φ(z) computed by subtraction would be all rounding error, so the
/// upper tail is computed directly from erfc. Methods are marked AggressiveOptimization because they are called tens
/// of thousands of times within one short analysis, before tiered compilation would replace their unoptimised code.
/// </summary>
public static class NormalDistribution
{
    /// <summary>P(Z ≥ z) for a standard normal Z.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double UpperTail(double z) => 0.5 * Erfc(z / Math.Sqrt(2.0));

    /// <summary>P(|Z| ≥ |z|), the two-sided p-value of a z statistic.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double TwoSidedP(double z) => Math.Min(1.0, Erfc(Math.Abs(z) / Math.Sqrt(2.0)));

    /// <summary>
    /// The complementary error function, to ~1e-15 relative accuracy. For |x| &lt; 2 it uses the all-positive series
    /// erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)) (no cancellation between terms, and erfc ≥ 0.0047 there,
    /// so 1 − erf keeps ~13 significant digits); beyond it the Laplace continued fraction for erfc, which
    /// converges quickly for large x, evaluated with the modified Lentz method.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Erfc(double x)
    {
        if (double.IsNaN(x))
            return double.NaN;
        if (x < 0)
            return 2.0 - Erfc(-x);
        if (x < 2.0)
            return 1.0 - ErfSeries(x);
        if (x > 27.3)
            return 0.0;
        return ErfcContinuedFraction(x);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double ErfSeries(double x)
    {
        double x2 = x * x;
        double term = x;
        double sum = x;
        for (int n = 1; n < 200; n++)
        {
            term *= 2.0 * x2 / (2 * n + 1);
            sum += term;
            if (term < sum * 1e-17)
                break;
        }
        return 2.0 / Math.Sqrt(Math.PI) * Math.Exp(-x2) * sum;
    }

    // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))): partial numerators k/2, denominators x.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double ErfcContinuedFraction(double x)
    {
        const double tiny = 1e-300;
        double f = x;
        double c = x;
        double d = 0.0;
        for (int k = 1; k < 5000; k++)
        {
            double a = k / 2.0;
            d = x + a * d;
            if (Math.Abs(d) < tiny)
                d = tiny;
            c = x + a / c;
            if (Math.Abs(c) < tiny)
                c = tiny;
            d = 1.0 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1.0) < 1e-16)
                break;
        }
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}
