using System.Runtime.CompilerServices;

namespace SaeExplorer.Core.Analysis.Statistics;

/// <summary>
/// The two-sided exact sign test: under the null each non-zero paired difference is positive with probability ½, so
/// the number of positives is Binomial(n, ½) with n = positives + negatives (ties are dropped). On two binary
/// outcomes per pair it is McNemar's exact test on the discordant pairs.
/// </summary>
public static class SignTest
{
    /// <summary>
    /// p = min(1, 2·P(X ≤ min(positive, negative))), X ~ Binomial(n, ½) — for the symmetric binomial this equals the
    /// "sum of outcomes no more likely than observed" p of R's <c>binom.test</c> and SciPy's <c>binomtest</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double TwoSidedP(int positive, int negative)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(positive);
        ArgumentOutOfRangeException.ThrowIfNegative(negative);
        int n = positive + negative;
        int k = Math.Min(positive, negative);
        if (2 * k == n)
            return 1.0;
        // Terms C(n, i)/2ⁿ in logs: 2ⁿ underflows a double beyond n = 1074.
        double logHalfN = n * Math.Log(0.5);
        double logChoose = 0; // log C(n, 0)
        double tail = 0;
        for (int i = 0; i <= k; i++)
        {
            if (i > 0)
                logChoose += Math.Log(n - i + 1) - Math.Log(i);
            tail += Math.Exp(logChoose + logHalfN);
        }
        return Math.Min(1.0, 2.0 * tail);
    }
}
