using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Analysis.Quality;

/// <summary>The percentile interval of bootstrap statistics, and the argument checks every bootstrap here shares.</summary>
internal static class PercentileInterval
{
    /// <summary>
    /// The type-7 (1 − level)/2 and (1 + level)/2 quantiles of the resampled statistics, as
    /// <see cref="Bootstrap.MeanInterval"/> takes them. Resamples in which the statistic is undefined (NaN or infinite: a resample
    /// that drew one value of a variable only, or left an item out) are dropped rather than counted as extreme values,
    /// so <see cref="ConfidenceInterval.Resamples"/> is the number of resamples the interval was made from, which is
    /// below the number drawn exactly when some were dropped. With none left both ends are NaN.
    /// </summary>
    public static ConfidenceInterval From(double estimate, List<double> statistics, double level, ulong seed)
    {
        var finite = statistics.Where(double.IsFinite).ToArray();
        if (finite.Length == 0)
            return new ConfidenceInterval(estimate, double.NaN, double.NaN, level, 0, seed);
        Array.Sort(finite);
        return new ConfidenceInterval(estimate, Bootstrap.Quantile(finite, (1 - level) / 2), Bootstrap.Quantile(finite, (1 + level) / 2),
            level, finite.Length, seed);
    }

    /// <summary>An interval with no resamples behind it: the statistic could not be computed on the data itself.</summary>
    public static ConfidenceInterval Undefined(double level, ulong seed) => new(double.NaN, double.NaN, double.NaN, level, 0, seed);

    /// <summary>Throws unless resamples ≥ 1 and level ∈ (0, 1).</summary>
    public static void CheckArguments(int resamples, double level)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        if (!(level > 0 && level < 1))
            throw new ArgumentOutOfRangeException(nameof(level), level, "level must lie in (0, 1).");
    }
}
