using System.Runtime.CompilerServices;
using SaeExplorer.Core.Analysis.Statistics;
using SaeExplorer.Core.Json;

namespace SaeExplorer.Core.Analysis;

/// <summary>
/// Significance tests and effect sizes for a <see cref="Contrast"/> over pooled prompts, latent by latent: presence
/// (Fisher's exact test), magnitude (Mann–Whitney U, inactive = 0), paired-by-topic variants (sign test, Wilcoxon
/// signed-rank), Benjamini–Hochberg q-values and perfect separation; plus per-side active counts with a seeded
/// bootstrap interval.
/// </summary>
/// <remarks>
/// <para>
/// <b>Multiple testing.</b> Each family (Fisher, Mann–Whitney, sign, Wilcoxon) is corrected separately over m = d_sae:
/// a latent never active on either side was still looked at, and its p-value is 1 by construction (both samples are all
/// zeros), so it stays in m. Leaving it out would make m depend on which latents happened to fire and inflate
/// discoveries. Those latents are not listed in <see cref="ContrastStatisticsReport.Features"/>.
/// </para>
/// <para>
/// <b>Speed.</b> The prompts are transposed once into per-latent lists of their non-zero values, so a latent costs
/// time in proportion to the prompts where it is active, not to the prompt count: the zeros of a latent form one
/// tie block whose mid-rank is known without sorting them, Fisher p-values are memoised per (active in A, active in
/// total) — the only inputs that vary — on a log-factorial table, and inactive latents are never visited.
/// </para>
/// </remarks>
public static class ContrastStatistics
{
    public static ContrastStatisticsReport Compute(IReadOnlyList<PooledPrompt> prompts, Contrast contrast, ContrastStatisticsOptions? options = null)
    {
        var (a, b) = FeatureDiff.Sides(prompts, contrast);
        CheckIndices(prompts);
        return Compute(a, b, contrast, options ?? new ContrastStatisticsOptions());
    }

    /// <summary>
    /// The prompts whose ids are in <paramref name="selectedIds"/> against all the others: a contrast drawn by hand (a
    /// lasso on a map) rather than by condition. The report names its sides <see cref="Contrast.SelectionName"/> and
    /// <see cref="Contrast.RestName"/>.
    /// </summary>
    public static ContrastStatisticsReport ComputeSelection(IReadOnlyList<PooledPrompt> prompts, IReadOnlyCollection<string> selectedIds, ContrastStatisticsOptions? options = null)
    {
        var (a, b) = FeatureDiff.SelectionSides(prompts, selectedIds);
        CheckIndices(prompts);
        return Compute(a, b, new Contrast(Contrast.SelectionName, null), options ?? new ContrastStatisticsOptions());
    }

    // AggressiveOptimization: the CLI calls this once per contrast, so tier-0 code would never be replaced in time.
    // One method on purpose: the per-feature tests share scratch buffers and one pass over the active latents, and
    // splitting the loop would either copy those buffers around or visit the 65,536 latents more than once.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ContrastStatisticsReport Compute(PooledPrompt[] a, PooledPrompt[] b, Contrast contrast, ContrastStatisticsOptions options)
    {
        int nA = a.Length;
        int nB = b.Length;
        int n = nA + nB;
        int d = a[0].Features.FeatureCount;
        var all = a.Concat(b).ToArray();

        // Transpose: for each latent, the prompts (A first, then B) where it is stored, with their values.
        var starts = new int[d + 1];
        foreach (var p in all)
        {
            foreach (var index in p.Features.Indices)
                starts[index + 1]++;
        }
        for (int f = 0; f < d; f++)
            starts[f + 1] += starts[f];
        var fill = starts[..d];
        var entryPrompt = new int[starts[d]];
        var entryValue = new double[starts[d]];
        for (int i = 0; i < all.Length; i++)
        {
            var v = all[i].Features;
            for (int k = 0; k < v.Indices.Length; k++)
            {
                int slot = fill[v.Indices[k]]++;
                entryPrompt[slot] = i;
                entryValue[slot] = v.Values[k];
            }
        }

        var pairing = TopicPairing.Create(a, b);
        var fisher = new FisherExact(n);
        var fisherMemo = new Dictionary<(int, int), double>();
        int maxActive = 0;
        for (int f = 0; f < d; f++)
            maxActive = Math.Max(maxActive, starts[f + 1] - starts[f]);
        var sortedValues = new double[maxActive];
        var sortedIsA = new bool[maxActive];

        var rows = new List<Row>();
        int unionA = 0, unionB = 0, exclusiveA = 0, exclusiveB = 0;
        for (int f = 0; f < d; f++)
        {
            int s = starts[f];
            int count = starts[f + 1] - s;
            if (count == 0)
                continue;
            int activeA = 0;
            double sumA = 0, sumB = 0;
            double maxA = double.NegativeInfinity, maxB = double.NegativeInfinity;
            double minA = double.PositiveInfinity, minB = double.PositiveInfinity;
            for (int k = 0; k < count; k++)
            {
                double v = entryValue[s + k];
                bool isA = entryPrompt[s + k] < nA;
                sortedValues[k] = v;
                sortedIsA[k] = isA;
                if (isA)
                {
                    activeA++;
                    sumA += v;
                    maxA = Math.Max(maxA, v);
                    minA = Math.Min(minA, v);
                }
                else
                {
                    sumB += v;
                    maxB = Math.Max(maxB, v);
                    minB = Math.Min(minB, v);
                }
            }
            int activeB = count - activeA;
            unionA += activeA > 0 ? 1 : 0;
            unionB += activeB > 0 ? 1 : 0;
            exclusiveA += activeA > 0 && activeB == 0 ? 1 : 0;
            exclusiveB += activeB > 0 && activeA == 0 ? 1 : 0;
            // A side with an inactive prompt also holds the value 0.
            if (activeA < nA) { maxA = Math.Max(maxA, 0); minA = Math.Min(minA, 0); }
            if (activeB < nB) { maxB = Math.Max(maxB, 0); minB = Math.Min(minB, 0); }

            if (!fisherMemo.TryGetValue((activeA, count), out double fisherP))
            {
                fisherP = fisher.TwoSidedP(activeA, nA - activeA, activeB, nB - activeB);
                fisherMemo[(activeA, count)] = fisherP;
            }

            Array.Sort(sortedValues, sortedIsA, 0, count);
            var (rankSumA, tieSum) = RankSumWithZeroBlock(sortedValues.AsSpan(0, count), sortedIsA.AsSpan(0, count), nA, n, activeA);
            var mw = MannWhitneyU.FromRankSum(rankSumA, nA, nB, tieSum, options.MannWhitneyMethod);

            var presence = activeA == nA && activeB == 0 ? SeparatedSide.A
                : activeB == nB && activeA == 0 ? SeparatedSide.B
                : SeparatedSide.None;
            var magnitude = minA > maxB ? SeparatedSide.A : minB > maxA ? SeparatedSide.B : SeparatedSide.None;
            double log2Odds = Math.Log2((activeA + 0.5) * (nB - activeB + 0.5) / ((nA - activeA + 0.5) * (activeB + 0.5)));

            rows.Add(new Row(
                f, activeA, activeB, log2Odds, fisherP, sumA / nA, sumB / nB, maxA, maxB, mw, presence, magnitude,
                pairing?.Test(entryPrompt.AsSpan(s, count), entryValue.AsSpan(s, count))));
        }

        var fisherQ = BenjaminiHochberg.Adjust(rows.Select(r => r.FisherP).ToArray(), d);
        var mwQ = BenjaminiHochberg.Adjust(rows.Select(r => r.MannWhitney.P).ToArray(), d);
        double[]? signQ = pairing is null ? null : BenjaminiHochberg.Adjust(rows.Select(r => r.Paired!.Value.SignP).ToArray(), d);
        double[]? wilcoxonQ = pairing is null ? null : BenjaminiHochberg.Adjust(rows.Select(r => r.Paired!.Value.Wilcoxon.P).ToArray(), d);

        var features = new FeatureContrast[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            PairedFeatureContrast? paired = null;
            if (r.Paired is { } pr)
            {
                paired = new PairedFeatureContrast(
                    pr.MoreA, pr.MoreB, pr.SignP, signQ![i],
                    pr.Wilcoxon.TPlus, pr.Wilcoxon.TMinus, pr.Wilcoxon.NonZero, pr.Wilcoxon.Z, pr.Wilcoxon.P, wilcoxonQ![i]);
            }
            double rateA = (double)r.ActiveA / nA;
            double rateB = (double)r.ActiveB / nB;
            features[i] = new FeatureContrast(
                r.Feature, r.ActiveA, r.ActiveB, rateA, rateB, rateA - rateB, r.Log2OddsRatio,
                r.FisherP, fisherQ[i],
                r.MeanA, r.MeanB, r.MeanA - r.MeanB, r.MaxA, r.MaxB,
                r.MannWhitney.UA, r.MannWhitney.Z, r.MannWhitney.P, mwQ[i], r.MannWhitney.Method, r.MannWhitney.RankBiserial,
                paired, r.Presence, r.Magnitude);
        }
        Array.Sort(features, CompareRows);

        var sideA = Side(contrast.A, a, options, 0, unionA, exclusiveA);
        var sideB = Side(contrast.BName, b, options, 1, unionB, exclusiveB);
        return new ContrastStatisticsReport(contrast, options, sideA, sideB, d, rows.Count, pairing?.TopicCount, features);
    }

    private static void CheckIndices(IReadOnlyList<PooledPrompt> prompts)
    {
        int d = prompts[0].Features.FeatureCount;
        foreach (var p in prompts)
        {
            foreach (var index in p.Features.Indices)
            {
                if ((uint)index >= (uint)d)
                    throw new ArgumentException($"prompt '{p.Id}' has latent index {index}, outside 0..{d - 1}.", nameof(prompts));
            }
        }
    }

    /// <summary>
    /// A's rank sum and Σ(t³ − t) over the N = n_A + n_B values of one latent, given only its stored values (sorted, with
    /// their side): the N − stored implicit zeros are one tie block, ranked after any negative values, merged with any
    /// stored zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (double RankSumA, double TieSum) RankSumWithZeroBlock(ReadOnlySpan<double> values, ReadOnlySpan<bool> isA, int nA, int n, int storedA)
    {
        double rankSumA = 0;
        double tieSum = 0;
        int assigned = 0;
        int i = 0;
        while (i < values.Length && values[i] < 0)
            i = TieBlock(values, isA, i, ref assigned, ref rankSumA, ref tieSum);
        int zerosA = nA - storedA;
        int j = i;
        while (j < values.Length && values[j] == 0)
        {
            if (isA[j])
                zerosA++;
            j++;
        }
        int zeroBlock = n - values.Length + (j - i);
        if (zeroBlock > 0)
        {
            rankSumA += zerosA * (assigned + (zeroBlock + 1) / 2.0);
            tieSum += (double)zeroBlock * zeroBlock * zeroBlock - zeroBlock;
            assigned += zeroBlock;
        }
        i = j;
        while (i < values.Length)
            i = TieBlock(values, isA, i, ref assigned, ref rankSumA, ref tieSum);
        return (rankSumA, tieSum);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int TieBlock(ReadOnlySpan<double> values, ReadOnlySpan<bool> isA, int i, ref int assigned, ref double rankSumA, ref double tieSum)
    {
        int j = i + 1;
        while (j < values.Length && values[j] == values[i])
            j++;
        int t = j - i;
        double midRank = assigned + (t + 1) / 2.0;
        for (int k = i; k < j; k++)
        {
            if (isA[k])
                rankSumA += midRank;
        }
        tieSum += (double)t * t * t - t;
        assigned += t;
        return j;
    }

    private static ContrastSide Side(string name, PooledPrompt[] prompts, ContrastStatisticsOptions options, ulong stream, int union, int exclusive)
    {
        var counts = prompts.Select(p => (double)p.Features.ActiveCount).ToArray();
        // Each side draws from its own stream, so the intervals of A and B are not built from the same resample indices.
        var ci = Bootstrap.MeanInterval(counts, options.BootstrapResamples, Bootstrap.DeriveSeed(options.Seed, stream), options.ConfidenceLevel);
        double max = prompts.Max(p => (double)FeatureDiff.MaxActivation(p));
        return new ContrastSide(name, prompts.Length, ci, max, FeatureDiff.MeanActivation(prompts), union, exclusive);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int CompareRows(FeatureContrast x, FeatureContrast y)
    {
        int c = x.FisherQ.CompareTo(y.FisherQ);
        if (c == 0) c = x.FisherP.CompareTo(y.FisherP);
        if (c == 0) c = x.MannWhitneyQ.CompareTo(y.MannWhitneyQ);
        if (c == 0) c = x.MannWhitneyP.CompareTo(y.MannWhitneyP);
        if (c == 0) c = x.Feature.CompareTo(y.Feature);
        return c;
    }

    private readonly record struct PairedRow(int MoreA, int MoreB, double SignP, WilcoxonResult Wilcoxon);

    private readonly record struct Row(
        int Feature, int ActiveA, int ActiveB, double Log2OddsRatio, double FisherP, double MeanA, double MeanB, double MaxA, double MaxB,
        MannWhitneyResult MannWhitney, SeparatedSide Presence, SeparatedSide Magnitude, PairedRow? Paired);

    /// <summary>
    /// Pairs the sides by topic when both have exactly the same topics. Per topic a side's presence is the fraction of
    /// its prompts there where the latent is active, and its magnitude their mean value (inactive = 0).
    /// </summary>
    private sealed class TopicPairing
    {
        private readonly int[] _topicOfPrompt;
        private readonly double[] _promptsA;
        private readonly double[] _promptsB;
        private readonly int _nA;
        private readonly double[] _activeA, _activeB, _sumA, _sumB;
        private readonly bool[] _touched;
        private readonly List<int> _touchedTopics = [];
        private readonly double[] _differences;
        private readonly double[] _magnitudes;
        private readonly bool[] _positive;

        private TopicPairing(int[] topicOfPrompt, double[] promptsA, double[] promptsB, int nA)
        {
            _topicOfPrompt = topicOfPrompt;
            _promptsA = promptsA;
            _promptsB = promptsB;
            _nA = nA;
            int t = promptsA.Length;
            _activeA = new double[t];
            _activeB = new double[t];
            _sumA = new double[t];
            _sumB = new double[t];
            _touched = new bool[t];
            _differences = new double[t];
            _magnitudes = new double[t];
            _positive = new bool[t];
        }

        public int TopicCount => _promptsA.Length;

        public static TopicPairing? Create(PooledPrompt[] a, PooledPrompt[] b)
        {
            var topicsA = a.Select(p => p.Topic).Distinct(StringComparer.Ordinal).ToArray();
            var topicsB = new HashSet<string>(b.Select(p => p.Topic), StringComparer.Ordinal);
            if (topicsA.Length != topicsB.Count || !topicsA.All(topicsB.Contains))
                return null;
            var index = topicsA.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i, StringComparer.Ordinal);
            var topicOfPrompt = a.Concat(b).Select(p => index[p.Topic]).ToArray();
            var promptsA = new double[topicsA.Length];
            var promptsB = new double[topicsA.Length];
            foreach (var p in a)
                promptsA[index[p.Topic]]++;
            foreach (var p in b)
                promptsB[index[p.Topic]]++;
            return new TopicPairing(topicOfPrompt, promptsA, promptsB, a.Length);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public PairedRow Test(ReadOnlySpan<int> prompts, ReadOnlySpan<double> values)
        {
            for (int k = 0; k < prompts.Length; k++)
            {
                int t = _topicOfPrompt[prompts[k]];
                if (!_touched[t])
                {
                    _touched[t] = true;
                    _touchedTopics.Add(t);
                }
                if (prompts[k] < _nA)
                {
                    _activeA[t]++;
                    _sumA[t] += values[k];
                }
                else
                {
                    _activeB[t]++;
                    _sumB[t] += values[k];
                }
            }
            // Untouched topics have presence and magnitude 0 on both sides: ties, which both tests drop.
            int moreA = 0, moreB = 0;
            int m = 0;
            foreach (int t in _touchedTopics)
            {
                double presence = _activeA[t] / _promptsA[t] - _activeB[t] / _promptsB[t];
                if (presence > 0) moreA++;
                else if (presence < 0) moreB++;
                _differences[m++] = _sumA[t] / _promptsA[t] - _sumB[t] / _promptsB[t];
                _activeA[t] = _activeB[t] = _sumA[t] = _sumB[t] = 0;
                _touched[t] = false;
            }
            _touchedTopics.Clear();
            var w = WilcoxonSignedRank.Test(_differences.AsSpan(0, m), _magnitudes, _positive);
            return new PairedRow(moreA, moreB, SignTest.TwoSidedP(moreA, moreB), w);
        }
    }

    /// <summary>
    /// The report as JSON: settings, both sides, and one object per tested latent in report order; snake_case keys in
    /// a fixed order and invariant number formatting, so equal inputs give byte-identical files. <c>paired</c> is null
    /// when the sides' topics differ.
    /// </summary>
    public static string ToJson(ContrastStatisticsReport report) =>
        CoreJsonContext.FileText(ContrastStatisticsJson.From(report), CoreJsonContext.Default.ContrastStatisticsJson);

    /// <summary>"a", "b" or "none", as the JSON and CSV write it.</summary>
    public static string SideName(SeparatedSide side) => side switch
    {
        SeparatedSide.A => "a",
        SeparatedSide.B => "b",
        _ => "none",
    };
}
