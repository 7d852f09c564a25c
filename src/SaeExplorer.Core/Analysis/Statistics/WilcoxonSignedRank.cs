using System.Runtime.CompilerServices;

namespace SaeExplorer.Core.Analysis.Statistics;

/// <summary>The outcome of a two-sided Wilcoxon signed-rank test on paired differences.</summary>
/// <param name="TPlus">Sum of the (mid-)ranks of |d| over positive differences.</param>
/// <param name="TMinus">Sum over negative differences.</param>
/// <param name="NonZero">Differences that took part (zeros are dropped).</param>
public sealed record WilcoxonResult(double TPlus, double TMinus, int NonZero, int Zeros, double Z, double P);

/// <summary>
/// Two-sided Wilcoxon signed-rank test, normal approximation. Zero differences are dropped before ranking (Wilcoxon's
/// original handling, the default of R's <c>wilcox.test</c> and SciPy's <c>zero_method="wilcox"</c>) rather than ranked
/// and then left out (Pratt): in sparse SAE data most pairs have a latent inactive on both sides, and those zeros say
/// nothing about direction. Tied |d| get mid-ranks; σ² = n(n+1)(2n+1)/24 − Σ(t³ − t)/48 over tie blocks; the continuity
/// correction moves T⁺ half a unit towards its mean: z = (T⁺ − n(n+1)/4 − ½·sign(T⁺ − n(n+1)/4))/σ, p = P(|Z| ≥ |z|) —
/// R's <c>wilcox.test(paired=TRUE, exact=FALSE, correct=TRUE)</c> and SciPy's
/// <c>wilcoxon(zero_method="wilcox", correction=True, method="approx")</c>.
/// </summary>
public static class WilcoxonSignedRank
{
    public static WilcoxonResult Test(ReadOnlySpan<double> differences) =>
        Test(differences, new double[differences.Length], new bool[differences.Length]);

    /// <summary>The test with caller-owned scratch space (at least as long as the differences), for tight loops.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static WilcoxonResult Test(ReadOnlySpan<double> differences, Span<double> magnitudes, Span<bool> positive)
    {
        int n = 0;
        foreach (var d in differences)
        {
            if (double.IsNaN(d))
                throw new ArgumentException("differences must not contain NaN.", nameof(differences));
            if (d == 0)
                continue;
            magnitudes[n] = Math.Abs(d);
            positive[n] = d > 0;
            n++;
        }
        int zeros = differences.Length - n;
        if (n == 0)
            return new WilcoxonResult(0, 0, 0, zeros, 0, 1.0);
        magnitudes[..n].Sort(positive[..n]);
        var (tPlus, tieSum) = MidRanks.Sum(magnitudes[..n], positive[..n]);
        double total = n * (n + 1) / 2.0;
        double mean = total / 2.0;
        double variance = n * (n + 1.0) * (2.0 * n + 1) / 24.0 - tieSum / 48.0;
        double diff = tPlus - mean;
        double z = variance > 0 ? (diff - 0.5 * Math.Sign(diff)) / Math.Sqrt(variance) : 0;
        double p = variance > 0 ? NormalDistribution.TwoSidedP(z) : 1.0;
        return new WilcoxonResult(tPlus, total - tPlus, n, zeros, z, p);
    }
}
