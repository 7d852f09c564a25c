using System.Runtime.CompilerServices;
using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Analysis.Quality;

/// <summary>
/// Pearson and Spearman correlation of paired samples, with seeded percentile-bootstrap intervals that resample pairs.
/// A correlation is undefined when either variable takes a single value (it has no variance to correlate): the estimate
/// is then NaN, meaning "no correlation can be measured", not "no correlation". Resamples that happen to draw a single
/// value of a variable are dropped from the interval (see <see cref="ConfidenceInterval.Resamples"/>).
/// </summary>
public static class Correlation
{
    /// <summary>Resamples of the bootstrap intervals unless the caller says otherwise.</summary>
    public const int DefaultResamples = 2000;

    /// <summary>The fewest pairs a correlation is computed from: with two, any two distinct points correlate ±1.</summary>
    public const int MinimumPairs = 3;

    /// <summary>Pearson's r, in [−1, 1], or NaN when either sample is constant.</summary>
    public static double Pearson(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        Check(x, y);
        return PearsonCore(x, y);
    }

    /// <summary>Spearman's ρ: Pearson's r of the mid-ranks (ties share the mean of their ranks), or NaN when either sample is constant.</summary>
    public static double Spearman(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        Check(x, y);
        return PearsonCore(Ranks(x), Ranks(y));
    }

    /// <summary>Pearson's r and its percentile-bootstrap interval over <paramref name="resamples"/> resamples of the pairs.</summary>
    public static ConfidenceInterval PearsonInterval(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int resamples = DefaultResamples,
        ulong seed = 0, double level = 0.95) => Interval(x, y, resamples, seed, level, ranked: false);

    /// <summary>
    /// Spearman's ρ and its percentile-bootstrap interval; each resample is ranked afresh, since a resample's repeated
    /// pairs are ties among themselves.
    /// </summary>
    public static ConfidenceInterval SpearmanInterval(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int resamples = DefaultResamples,
        ulong seed = 0, double level = 0.95) => Interval(x, y, resamples, seed, level, ranked: true);

    /// <summary>Ranks from 1 in the order of <paramref name="values"/>; tied values share the mean of the ranks they span.</summary>
    public static double[] Ranks(ReadOnlySpan<double> values)
    {
        var ranks = new double[values.Length];
        Ranks(values, ranks, new double[values.Length], new int[values.Length]);
        return ranks;
    }

    /// <summary><see cref="Ranks(ReadOnlySpan{double})"/> into caller-owned buffers, for bootstrap loops.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Ranks(ReadOnlySpan<double> values, Span<double> ranks, Span<double> sortedScratch, Span<int> orderScratch)
    {
        int n = values.Length;
        var sorted = sortedScratch[..n];
        var order = orderScratch[..n];
        values.CopyTo(sorted);
        for (int i = 0; i < n; i++)
            order[i] = i;
        sorted.Sort(order);
        for (int i = 0; i < n;)
        {
            int j = i + 1;
            while (j < n && sorted[j] == sorted[i])
                j++;
            double midRank = (i + 1 + j) / 2.0;
            for (int k = i; k < j; k++)
                ranks[order[k]] = midRank;
            i = j;
        }
    }

    /// <summary>r of two equal-length samples without argument checks; NaN when either is constant.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double PearsonCore(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        // Constancy is tested on the values, not on the sum of squares: the mean of n copies of 0.1 is not exactly 0.1,
        // so the deviations of a constant sample are rounding noise, and r of noise would come out as anything.
        if (IsConstant(x) || IsConstant(y))
            return double.NaN;
        int n = x.Length;
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++)
        {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1.0, 1.0);
    }

    /// <summary>Whether every value equals the first (true for an empty or one-value sample).</summary>
    internal static bool IsConstant(ReadOnlySpan<double> values)
    {
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] != values[0])
                return false;
        }
        return true;
    }

    /// <summary>Throws unless the samples have equal length, at least <see cref="MinimumPairs"/> pairs and no NaN or infinity.</summary>
    internal static void Check(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
            throw new ArgumentException($"the samples must be paired: {x.Length} values against {y.Length}.");
        if (x.Length < MinimumPairs)
            throw new ArgumentException($"a correlation needs at least {MinimumPairs} pairs; got {x.Length}.");
        foreach (var v in x)
        {
            if (!double.IsFinite(v))
                throw new ArgumentException("the first sample contains NaN or infinity.", nameof(x));
        }
        foreach (var v in y)
        {
            if (!double.IsFinite(v))
                throw new ArgumentException("the second sample contains NaN or infinity.", nameof(y));
        }
    }

    private static ConfidenceInterval Interval(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int resamples, ulong seed, double level, bool ranked)
    {
        Check(x, y);
        PercentileInterval.CheckArguments(resamples, level);
        int n = x.Length;
        double estimate = ranked ? PearsonCore(Ranks(x), Ranks(y)) : PearsonCore(x, y);
        if (double.IsNaN(estimate))
            return PercentileInterval.Undefined(level, seed);
        var rng = new IndexResampler(seed);
        var indices = new int[n];
        double[] xs = new double[n], ys = new double[n], rx = new double[n], ry = new double[n], scratch = new double[n];
        var order = new int[n];
        var statistics = new List<double>(resamples);
        for (int r = 0; r < resamples; r++)
        {
            rng.Draw(indices, n);
            for (int i = 0; i < n; i++)
            {
                xs[i] = x[indices[i]];
                ys[i] = y[indices[i]];
            }
            if (ranked)
            {
                Ranks(xs, rx, scratch, order);
                Ranks(ys, ry, scratch, order);
                statistics.Add(PearsonCore(rx, ry));
            }
            else
            {
                statistics.Add(PearsonCore(xs, ys));
            }
        }
        return PercentileInterval.From(estimate, statistics, level, seed);
    }
}
