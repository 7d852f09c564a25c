using System.Runtime.CompilerServices;

namespace SaeExplorer.Core.Analysis.Statistics;

/// <summary>Ranking with ties as the rank tests need it: mid-ranks from 1 and the tie correction Σ(t³ − t).</summary>
internal static class MidRanks
{
    /// <summary>
    /// Over <paramref name="sorted"/> values (ascending), the sum of the mid-ranks of the positions where
    /// <paramref name="selected"/> is true, and Σ(t³ − t) over the blocks of t equal values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double RankSum, double TieSum) Sum(ReadOnlySpan<double> sorted, ReadOnlySpan<bool> selected)
    {
        double rankSum = 0, tieSum = 0;
        for (int i = 0; i < sorted.Length;)
        {
            int j = i + 1;
            while (j < sorted.Length && sorted[j] == sorted[i])
                j++;
            double midRank = (i + 1 + j) / 2.0;
            for (int k = i; k < j; k++)
            {
                if (selected[k])
                    rankSum += midRank;
            }
            double t = j - i;
            tieSum += t * t * t - t;
            i = j;
        }
        return (rankSum, tieSum);
    }
}
