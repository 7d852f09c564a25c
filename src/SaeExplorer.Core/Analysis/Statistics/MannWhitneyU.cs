using System.Runtime.CompilerServices;

namespace SaeExplorer.Core.Analysis.Statistics;

/// <summary>How <see cref="MannWhitneyU"/> computes its p-value.</summary>
public enum MannWhitneyMethod
{
    /// <summary>
    /// SciPy's <c>method="auto"</c>: <see cref="Exact"/> when there are no ties and one sample has at most 8 values,
    /// <see cref="Asymptotic"/> otherwise.
    /// </summary>
    Auto,
    /// <summary>The exact null distribution of U (all arrangements equally likely); only defined without ties.</summary>
    Exact,
    /// <summary>Normal approximation with tie correction of the variance and a 0.5 continuity correction.</summary>
    Asymptotic,
}

/// <summary>The outcome of a two-sided Mann–Whitney U test of sample A against sample B.</summary>
/// <param name="UA">U of A: the number of (a, b) pairs with a &gt; b, plus half the pairs with a = b.</param>
/// <param name="Z">The continuity-corrected z of the normal approximation (0 when every value is tied).</param>
/// <param name="RankBiserial">
/// Kerby's rank-biserial correlation 2·U_A/(n_A·n_B) − 1 in [−1, 1]: positive when A's values tend to be larger.
/// </param>
/// <param name="Method">The method that produced <see cref="P"/> (never <see cref="MannWhitneyMethod.Auto"/>).</param>
public sealed record MannWhitneyResult(double UA, double UB, double Z, double P, double RankBiserial, MannWhitneyMethod Method);

/// <summary>
/// Two-sided Mann–Whitney U (Wilcoxon rank-sum) test. The asymptotic p-value matches SciPy's
/// <c>mannwhitneyu(..., use_continuity=True, method="asymptotic")</c> and R's <c>wilcox.test(exact=FALSE, correct=TRUE)</c>:
/// z = (max(U_A, U_B) − n_A·n_B/2 − 0.5) / σ with σ² = n_A·n_B/12 · (N + 1 − Σ(t³ − t)/(N(N − 1))) over tie blocks of
/// size t, p = min(1, 2·P(Z ≥ z)). The exact p-value is min(1, 2·P(U ≥ max(U_A, U_B))) under the null.
/// </summary>
public static class MannWhitneyU
{
    /// <summary>The largest smaller-sample size <see cref="MannWhitneyMethod.Auto"/> computes exactly (SciPy's rule).</summary>
    public const int AutoExactMaxSize = 8;

    public static MannWhitneyResult Test(ReadOnlySpan<double> a, ReadOnlySpan<double> b, MannWhitneyMethod method = MannWhitneyMethod.Auto)
    {
        if (a.Length == 0 || b.Length == 0)
            throw new ArgumentException("both samples need at least one value.");
        var all = new double[a.Length + b.Length];
        var isA = new bool[all.Length];
        a.CopyTo(all);
        b.CopyTo(all.AsSpan(a.Length));
        isA.AsSpan(0, a.Length).Fill(true);
        foreach (var v in all)
        {
            if (double.IsNaN(v))
                throw new ArgumentException("samples must not contain NaN.");
        }
        Array.Sort(all, isA);
        var (rankSumA, tieSum) = MidRanks.Sum(all, isA);
        return FromRankSum(rankSumA, a.Length, b.Length, tieSum, method);
    }

    /// <summary>
    /// The test from A's rank sum (mid-ranks for ties, ranks from 1) and Σ(t³ − t) over tie blocks, for callers that
    /// rank many features at once without materialising every value (see <see cref="ContrastStatistics"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static MannWhitneyResult FromRankSum(double rankSumA, int nA, int nB, double tieSum, MannWhitneyMethod method = MannWhitneyMethod.Auto)
    {
        double uA = rankSumA - nA * (nA + 1) / 2.0;
        double pairs = (double)nA * nB;
        double uB = pairs - uA;
        double rankBiserial = 2.0 * uA / pairs - 1.0;
        bool hasTies = tieSum > 0;
        if (method == MannWhitneyMethod.Auto)
            method = !hasTies && Math.Min(nA, nB) <= AutoExactMaxSize ? MannWhitneyMethod.Exact : MannWhitneyMethod.Asymptotic;
        if (method == MannWhitneyMethod.Exact && hasTies)
            throw new ArgumentException("the exact Mann–Whitney distribution assumes no ties; use the asymptotic method.", nameof(method));

        int n = nA + nB;
        double variance = pairs / 12.0 * (n + 1 - (n > 1 ? tieSum / ((double)n * (n - 1)) : 0));
        double uMax = Math.Max(uA, uB);
        double z = variance > 0 ? (uMax - pairs / 2.0 - 0.5) / Math.Sqrt(variance) : 0;
        double p = method == MannWhitneyMethod.Exact
            ? Math.Min(1.0, 2.0 * ExactUpperTail((int)Math.Round(uMax), nA, nB))
            : variance > 0 ? Math.Min(1.0, 2.0 * NormalDistribution.UpperTail(z)) : 1.0;
        return new MannWhitneyResult(uA, uB, z, p, rankBiserial, method);
    }

    /// <summary>P(U ≥ u) under the null for samples of sizes m and n, by counting arrangements.</summary>
    public static double ExactUpperTail(int u, int m, int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        // U's null distribution is the same with the roles swapped, so the table is kept for (smaller, larger).
        var tails = UpperTails.GetOrAdd((Math.Min(m, n), Math.Max(m, n)), key => ComputeUpperTails(key.Small, key.Large));
        return u <= 0 ? 1.0 : u >= tails.Length ? 0.0 : tails[u];
    }

    // One table per size pair for the life of the process: a contrast asks for the same sizes for every latent.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int Small, int Large), double[]> UpperTails = new();

    private static double[] ComputeUpperTails(int m, int n)
    {
        // counts[j][s]: arrangements of i A's and j B's with U_A = s; placing an A after j B's adds j to U_A.
        // Built one A at a time, so only two (n + 1) × (m·n + 1) layers are alive.
        int maxU = m * n;
        var previous = new double[n + 1][];
        var current = new double[n + 1][];
        for (int j = 0; j <= n; j++)
        {
            previous[j] = new double[maxU + 1];
            current[j] = new double[maxU + 1];
            previous[j][0] = 1;
        }
        for (int i = 1; i <= m; i++)
        {
            for (int j = 0; j <= n; j++)
            {
                var row = current[j];
                Array.Clear(row);
                for (int s = j; s <= maxU; s++)
                    row[s] = previous[j][s - j];
                if (j > 0)
                {
                    for (int s = 0; s <= maxU; s++)
                        row[s] += current[j - 1][s];
                }
            }
            (previous, current) = (current, previous);
        }
        var counts = previous[n];
        double total = counts.Sum();
        var tails = new double[maxU + 1];
        double tail = 0;
        for (int s = maxU; s >= 0; s--)
        {
            tail += counts[s];
            tails[s] = tail / total;
        }
        return tails;
    }
}
