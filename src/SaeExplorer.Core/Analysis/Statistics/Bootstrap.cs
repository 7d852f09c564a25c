using System.Runtime.CompilerServices;

namespace SaeExplorer.Core.Analysis.Statistics;

/// <summary>A point estimate with a two-sided confidence interval.</summary>
public sealed record ConfidenceInterval(double Estimate, double Lower, double Upper, double Level, int Resamples, ulong Seed);

/// <summary>
/// Seeded percentile bootstrap. The generator is SplitMix64 implemented here rather than <see cref="Random"/>, whose
/// seeded sequence .NET does not promise to keep across versions: the same seed gives the same interval on any
/// machine and runtime.
/// </summary>
public static class Bootstrap
{
    /// <summary>
    /// The mean of <paramref name="values"/> and the percentile interval of the means of <paramref name="resamples"/>
    /// resamples drawn with replacement; the interval's ends are the (1 − level)/2 and (1 + level)/2 quantiles of the
    /// resampled means, linearly interpolated (type 7, the default of R's <c>quantile</c> and NumPy).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ConfidenceInterval MeanInterval(ReadOnlySpan<double> values, int resamples, ulong seed, double level = 0.95)
    {
        if (values.Length == 0)
            throw new ArgumentException("cannot bootstrap an empty sample.", nameof(values));
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        if (!(level > 0 && level < 1))
            throw new ArgumentOutOfRangeException(nameof(level), level, "level must lie in (0, 1).");
        double mean = 0;
        foreach (var v in values)
            mean += v;
        mean /= values.Length;

        var rng = new SplitMix64(seed);
        var means = new double[resamples];
        int n = values.Length;
        ulong bound = (ulong)n;
        ulong threshold = (0UL - bound) % bound;
        for (int r = 0; r < resamples; r++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++)
                sum += values[rng.NextBelow(bound, threshold)];
            means[r] = sum / n;
        }
        Array.Sort(means);
        return new ConfidenceInterval(mean, Quantile(means, (1 - level) / 2), Quantile(means, (1 + level) / 2), level, resamples, seed);
    }

    /// <summary>Type-7 quantile of an ascending array.</summary>
    public static double Quantile(ReadOnlySpan<double> sorted, double probability)
    {
        double h = (sorted.Length - 1) * probability;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /// <summary>Mixes a seed and a stream number into an independent seed (SplitMix64's output function).</summary>
    public static ulong DeriveSeed(ulong seed, ulong stream) => new SplitMix64(seed ^ (stream * 0xD1B54A32D192ED03UL)).Next();

    private struct SplitMix64(ulong state)
    {
        private ulong _state = state;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        // Lemire's multiply-shift with rejection: unbiased for any n. The rejection threshold (2⁶⁴ mod n) is the caller's,
        // computed once per bound.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int NextBelow(ulong bound, ulong threshold)
        {
            while (true)
            {
                ulong high = Math.BigMul(Next(), bound, out ulong low);
                if (low >= threshold)
                    return (int)high;
            }
        }
    }
}
