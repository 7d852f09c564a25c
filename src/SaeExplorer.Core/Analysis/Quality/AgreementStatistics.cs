using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Analysis.Quality;

/// <summary>
/// Cohen's κ = 1 − D_o/D_e, written in disagreements so that one record serves the unweighted and the weighted kappa.
/// </summary>
/// <param name="Items">Items both raters labelled.</param>
/// <param name="Kappa">Agreement beyond chance: 1 perfect, 0 what independent raters with these marginals reach; NaN when D_e = 0.</param>
/// <param name="ObservedDisagreement">D_o, the mean disagreement weight over the items (unweighted: 1 − observed agreement).</param>
/// <param name="ExpectedDisagreement">
/// D_e, the same expected under independence with each rater's own label frequencies (unweighted: 1 − chance
/// agreement). It is 0 when both raters gave one and the same label throughout, and κ is undefined: there is nothing
/// the raters could have disagreed on.
/// </param>
public sealed record KappaResult(int Items, double Kappa, double ObservedDisagreement, double ExpectedDisagreement);

/// <summary>How far two judges agree: on pairwise verdicts ("A", "B", "tie") and on pointwise scores.</summary>
public static class AgreementStatistics
{
    /// <summary>
    /// Cohen's (1960) κ for two raters' categorical labels, item by item (labels compare ordinally, case-sensitively):
    /// κ = (p_o − p_e)/(1 − p_e), p_o the fraction of items labelled alike, p_e = Σ_c p₁(c)·p₂(c).
    /// </summary>
    public static KappaResult CohensKappa(IReadOnlyList<string> first, IReadOnlyList<string> second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        CheckPaired(first.Count, second.Count);
        int n = first.Count;
        int agree = 0;
        var counts1 = new Dictionary<string, int>(StringComparer.Ordinal);
        var counts2 = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            var a = first[i] ?? throw new ArgumentException($"the first rater's label {i} is null.", nameof(first));
            var b = second[i] ?? throw new ArgumentException($"the second rater's label {i} is null.", nameof(second));
            if (a == b)
                agree++;
            counts1[a] = counts1.GetValueOrDefault(a) + 1;
            counts2[b] = counts2.GetValueOrDefault(b) + 1;
        }
        double chance = 0;
        foreach (var (label, c1) in counts1)
            chance += (double)c1 / n * counts2.GetValueOrDefault(label) / n;
        double observedDisagreement = 1 - (double)agree / n;
        double expectedDisagreement = 1 - chance;
        return Result(n, observedDisagreement, expectedDisagreement);
    }

    /// <summary>
    /// Quadratically weighted κ for ordinal scores (e.g. 1–10 rubric scores or their means): disagreement weight
    /// (a − b)² / (max − min)², so κ_w = 1 − Σᵢ(aᵢ − bᵢ)² / ((1/n)·Σᵢ Σⱼ (aᵢ − bⱼ)²), the expected disagreement pairing every
    /// score of one rater with every score of the other. The weight's scale cancels, so the categories need not be
    /// listed: this equals the table form with categories min … max (unused ones contribute nothing).
    /// </summary>
    public static KappaResult QuadraticWeightedKappa(ReadOnlySpan<double> first, ReadOnlySpan<double> second)
    {
        CheckPaired(first.Length, second.Length);
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in first)
            Extend(v, ref min, ref max);
        foreach (var v in second)
            Extend(v, ref min, ref max);
        int n = first.Length;
        double range2 = (max - min) * (max - min);
        if (range2 == 0)
            return new KappaResult(n, double.NaN, 0, 0);
        double observed = 0;
        for (int i = 0; i < n; i++)
            observed += (first[i] - second[i]) * (first[i] - second[i]);
        // Σᵢ Σⱼ (aᵢ − bⱼ)² = n·Σa² − 2·Σa·Σb + n·Σb², in O(n) rather than O(n²).
        double sumA = 0, sumB = 0, sumA2 = 0, sumB2 = 0;
        for (int i = 0; i < n; i++)
        {
            sumA += first[i];
            sumB += second[i];
            sumA2 += first[i] * first[i];
            sumB2 += second[i] * second[i];
        }
        double expected = (n * sumA2 - 2 * sumA * sumB + n * sumB2) / ((double)n * n);
        return Result(n, observed / n / range2, expected / range2);
    }

    /// <summary>Spearman's ρ between two judges' scores of the same answers, with its bootstrap interval (<see cref="Correlation.SpearmanInterval"/>).</summary>
    public static ConfidenceInterval ScoreSpearman(ReadOnlySpan<double> first, ReadOnlySpan<double> second, int resamples = Correlation.DefaultResamples,
        ulong seed = 0, double level = 0.95) => Correlation.SpearmanInterval(first, second, resamples, seed, level);

    private static KappaResult Result(int n, double observed, double expected) =>
        new(n, expected > 0 ? 1 - observed / expected : double.NaN, observed, expected);

    private static void Extend(double v, ref double min, ref double max)
    {
        if (!double.IsFinite(v))
            throw new ArgumentException("scores must be finite.");
        min = Math.Min(min, v);
        max = Math.Max(max, v);
    }

    private static void CheckPaired(int first, int second)
    {
        if (first != second)
            throw new ArgumentException($"the raters must rate the same items: {first} labels against {second}.");
        if (first == 0)
            throw new ArgumentException("agreement needs at least one item.");
    }
}
