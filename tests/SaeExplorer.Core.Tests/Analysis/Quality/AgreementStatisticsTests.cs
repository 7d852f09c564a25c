using SaeExplorer.Core.Analysis.Quality;

namespace SaeExplorer.Core.Tests.Analysis.Quality;

public sealed class AgreementStatisticsTests
{
    private static List<string> Labels(params (string Label, int Count)[] runs) => runs.SelectMany(r => Enumerable.Repeat(r.Label, r.Count)).ToList();

    [Fact]
    public void Cohens_kappa_textbook_two_by_two()
    {
        // Wikipedia, "Cohen's kappa", first example: 50 proposals, both yes 20, A yes B no 5, A no B yes 10, both no 15.
        // p_o = 35/50 = 0.7; A says yes 25/50, B 30/50, so p_e = 0.5·0.6 + 0.5·0.4 = 0.5; κ = 0.2/0.5 = 0.4.
        var a = Labels(("yes", 20), ("yes", 5), ("no", 10), ("no", 15));
        var b = Labels(("yes", 20), ("no", 5), ("yes", 10), ("no", 15));
        var k = AgreementStatistics.CohensKappa(a, b);
        Assert.Equal(0.4, k.Kappa, 14);
        Assert.Equal(0.3, k.ObservedDisagreement, 14);
        Assert.Equal(0.5, k.ExpectedDisagreement, 14);
        Assert.Equal(50, k.Items);
    }

    [Fact]
    public void Cohens_kappa_three_verdict_labels_by_hand()
    {
        // 7 of 10 verdicts agree. Both judges say A 5 times, B 3, tie 2: p_e = 0.25 + 0.09 + 0.04 = 0.38, κ = 0.32/0.62 = 16/31.
        string[] first = ["A", "A", "A", "A", "B", "B", "B", "tie", "tie", "A"];
        string[] second = ["A", "A", "B", "A", "B", "B", "tie", "tie", "A", "A"];
        Assert.Equal(16.0 / 31, AgreementStatistics.CohensKappa(first, second).Kappa, 14);
        Assert.Equal(1.0, AgreementStatistics.CohensKappa(first, first).Kappa, 14);
    }

    [Fact]
    public void Kappa_is_undefined_when_neither_rater_varies()
    {
        // Both said "A" every time: agreement is perfect but chance agreement is too, and κ = 0/0.
        var k = AgreementStatistics.CohensKappa(["A", "A", "A"], ["A", "A", "A"]);
        Assert.True(double.IsNaN(k.Kappa));
        Assert.Equal(0.0, k.ExpectedDisagreement);
        Assert.Throws<ArgumentException>(() => AgreementStatistics.CohensKappa(["A"], ["A", "B"]));
        Assert.Throws<ArgumentException>(() => AgreementStatistics.CohensKappa([], []));
    }

    [Fact]
    public void Quadratic_weighted_kappa_by_hand()
    {
        // (1, 2, 3, 4, 5) against (1, 2, 3, 5, 4): Σ(a − b)² = 2. Every cross pair: (n·Σa² − 2ΣaΣb + n·Σb²)/n² =
        // (275 − 450 + 275)/25 = 4 per item. κ_w = 1 − (2/5)/4 = 0.9.
        Assert.Equal(0.9, AgreementStatistics.QuadraticWeightedKappa([1, 2, 3, 4, 5], [1, 2, 3, 5, 4]).Kappa, 14);
    }

    [Fact]
    public void Quadratic_weighted_kappa_matches_the_contingency_table_form()
    {
        // The textbook form over categories 1…10: weights w_ij = (i − j)²/81, observed table O, expected E = row·column/n,
        // κ_w = 1 − Σ w·O / Σ w·E — computed here from scratch.
        int[] a = [7, 8, 6, 9, 5, 7, 8, 3, 6, 7, 9, 4];
        int[] b = [6, 8, 7, 9, 4, 7, 6, 4, 6, 8, 10, 5];
        var observed = new double[11, 11];
        for (int i = 0; i < a.Length; i++)
            observed[a[i], b[i]]++;
        double weightedObserved = 0, weightedExpected = 0;
        for (int i = 1; i <= 10; i++)
        {
            for (int j = 1; j <= 10; j++)
            {
                double w = (i - j) * (i - j) / 81.0;
                double row = a.Count(v => v == i), column = b.Count(v => v == j);
                weightedObserved += w * observed[i, j];
                weightedExpected += w * row * column / a.Length;
            }
        }
        double expected = 1 - weightedObserved / weightedExpected;
        var k = AgreementStatistics.QuadraticWeightedKappa(a.Select(v => (double)v).ToArray(), b.Select(v => (double)v).ToArray());
        Assert.Equal(expected, k.Kappa, 13);
        Assert.InRange(k.Kappa, 0.7, 0.95);
    }

    [Fact]
    public void Judges_scores_spearman_is_correlation_spearman()
    {
        double[] a = [7.25, 8, 6.5, 9, 5.75, 7.25, 8.5, 3];
        double[] b = [6.5, 8.25, 7, 9, 4.5, 7.25, 6.75, 4];
        var ci = AgreementStatistics.ScoreSpearman(a, b, 300, seed: 4);
        Assert.Equal(Correlation.SpearmanInterval(a, b, 300, seed: 4), ci);
        Assert.Equal(Correlation.Spearman(a, b), ci.Estimate, 15);
    }
}
