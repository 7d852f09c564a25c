using System.Runtime.CompilerServices;

namespace SaeExplorer.Core.Analysis.Statistics;

/// <summary>Benjamini–Hochberg (1995) false-discovery-rate adjustment (R's <c>p.adjust(method = "BH")</c>).</summary>
public static class BenjaminiHochberg
{
    /// <summary>
    /// q-values in the order of <paramref name="pValues"/>: with p₍₁₎ ≤ … ≤ p₍ₘ₎, q₍ᵢ₎ = min over j ≥ i of
    /// min(1, m·p₍ⱼ₎/j). Rejecting every hypothesis with q ≤ α is the BH step-up procedure at level α.
    /// </summary>
    /// <param name="totalTests">
    /// m, when larger than the number of p-values given: the others are taken to be p = 1. They sort last, so they
    /// change only m — which lets a caller skip thousands of latents that were never active (p = 1 by construction)
    /// and still correct for having looked at all of them.
    /// </param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double[] Adjust(ReadOnlySpan<double> pValues, int? totalTests = null)
    {
        int given = pValues.Length;
        int m = totalTests ?? given;
        if (m < given)
            throw new ArgumentOutOfRangeException(nameof(totalTests), m, $"m must be at least the {given} p-values given.");
        var order = new int[given];
        var sorted = new double[given];
        for (int i = 0; i < given; i++)
        {
            if (!(pValues[i] >= 0 && pValues[i] <= 1))
                throw new ArgumentOutOfRangeException(nameof(pValues), pValues[i], "p-values must lie in [0, 1].");
            order[i] = i;
            sorted[i] = pValues[i];
        }
        // Sorting (value, index) pairs makes the order of equal p-values deterministic; their q is equal anyway.
        Array.Sort(sorted, order);
        var q = new double[given];
        double running = 1.0;
        for (int rank = given; rank >= 1; rank--)
        {
            running = Math.Min(running, Math.Min(1.0, sorted[rank - 1] * m / rank));
            q[order[rank - 1]] = running;
        }
        return q;
    }
}
