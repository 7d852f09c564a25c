using System.Runtime.CompilerServices;

namespace SaeExplorer.Core.Analysis.Quality;

/// <summary>
/// Draws bootstrap resamples as indices into a sample of n units (pairs, comparisons, topics). It is the SplitMix64
/// stream and Lemire bounded draw of <see cref="Statistics.Bootstrap"/>, duplicated here because that generator is
/// private to it and resamples only means: the quality statistics resample whole rows and recompute a fit on each.
/// Given the same seed, the first n indices drawn here are the ones <see cref="Statistics.Bootstrap.MeanInterval"/>
/// averages in its first resample.
/// </summary>
internal struct IndexResampler(ulong seed)
{
    private ulong _state = seed;

    /// <summary>Fills <paramref name="indices"/> with draws from 0 … n − 1, uniform and with replacement.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Draw(Span<int> indices, int n)
    {
        ulong bound = (ulong)n;
        ulong threshold = (0UL - bound) % bound;
        for (int i = 0; i < indices.Length; i++)
            indices[i] = NextBelow(bound, threshold);
    }

    /// <summary>One resample as multiplicities: <paramref name="counts"/>[i] is how often unit i was drawn (n draws).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void DrawCounts(Span<double> counts)
    {
        counts.Clear();
        int n = counts.Length;
        ulong bound = (ulong)n;
        ulong threshold = (0UL - bound) % bound;
        for (int i = 0; i < n; i++)
            counts[NextBelow(bound, threshold)] += 1;
    }

    /// <summary>One draw from 0 … n − 1, uniform.</summary>
    public int Below(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ulong bound = (ulong)n;
        return NextBelow(bound, (0UL - bound) % bound);
    }

    /// <summary>Fisher–Yates: every order of <paramref name="items"/> equally likely, the same one for the same seed.</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = Below(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int NextBelow(ulong bound, ulong threshold)
    {
        while (true)
        {
            ulong high = Math.BigMul(Next(), bound, out ulong low);
            if (low >= threshold)
                return (int)high;
        }
    }
}
